//! `#[secure_request]`: parse (`attr`, `shape`, `model`) -> check (`check`)
//! -> expand (`emit`, `emit_enum`).

mod attr;
mod check;
mod emit;
mod emit_enum;
mod model;
mod shape;

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::ctxt::Ctxt;
use crate::policy;
use crate::syntax::strip_helper_attrs;

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let query = attr::parse_args(&cx, args);
    let item: syn::Item = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(e) => {
            cx.syn_error(e);
            let errors = cx.finish();
            return quote!(#input #errors);
        }
    };
    let policy = policy::current();
    if let Err(message) = &policy.policy {
        cx.syn_error(syn::Error::new(Span::call_site(), message));
    }
    let parsed = model::from_item(&cx, &item, query);
    let checked = match (&parsed.container, &policy.policy) {
        (Some(container), Ok(rules)) => check::check(&cx, rules, container),
        _ => None,
    };
    let cleaned = strip_helper_attrs(item.clone(), parsed.derives_serialize);
    let tracked = policy.tracking();
    let code = match checked {
        Some(checked) if !cx.has_errors() => emit::emit(&checked),
        _ => match &item {
            syn::Item::Struct(s) => emit::fallback_impls(&s.ident, &s.generics, parsed.derives_deserialize),
            syn::Item::Enum(e) => emit::fallback_impls(&e.ident, &e.generics, parsed.derives_deserialize),
            _ => TokenStream::new(),
        },
    };
    let errors = cx.finish();
    quote!(#cleaned #code #tracked #errors)
}
