//! `#[idempotent(ttl = "24h")]` on an async axum handler: parse (`attr`,
//! `model`) -> check (`check`, into a checked handler) -> expand (`emit`,
//! from the checked handler only).

mod attr;
mod check;
mod emit;
mod model;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Ctxt;

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let args = attr::parse_args(&cx, args);
    let (code, ok) = match check::check(&cx, args, model::from_tokens(input.clone())) {
        Ok(checked) if !cx.has_errors() => (emit::emit(checked), true),
        Ok(checked) => {
            let item = checked.item;
            (quote!(#item), false)
        }
        Err(tokens) => (tokens, false),
    };
    let errors = cx.finish();
    let with = quote!(#code #errors);
    // The handler `#[idempotent]` makes is an axum handler: without
    // apishield's `axum` feature, the item as written and an error that
    // names the feature (the macro cannot see the features; `__if_axum!`
    // in apishield can). Errors of the item itself come first either way.
    let without = if ok { without_axum(input) } else { without_axum(with.clone()) };
    quote!(::apishield::__if_axum! { { #with } else { #without } })
}

fn without_axum(item: TokenStream) -> TokenStream {
    let error = syn::Error::new(
        proc_macro2::Span::call_site(),
        "`#[idempotent]` needs the `axum` feature of apishield: the handler it makes is an axum handler\n\
         help: enable it where apishield is a dependency: `apishield = { version = \"0.1\", features = [\"axum\"] }`",
    )
    .to_compile_error();
    quote!(#item #error)
}
