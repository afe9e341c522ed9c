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
    let code = match check::check(&cx, args, model::from_tokens(input)) {
        Ok(checked) if !cx.has_errors() => emit::emit(checked),
        Ok(checked) => {
            let item = checked.item;
            quote!(#item)
        }
        Err(tokens) => tokens,
    };
    let errors = cx.finish();
    quote!(#code #errors)
}
