//! `#[owned_by(field)]` on a resource type and `#[owned_by(param)]` on a
//! handler: parse (`attr`, `model`) -> check (`check`, into a checked
//! target) -> expand (`emit`, from the checked target only).
//!
//! With `#[secure_response]` on the same type, the two cooperate in one
//! order whatever order they are written in: `#[secure_response]` expands
//! first, sees `#[owned_by]` below it and writes no `Serialize` of its own;
//! then `#[owned_by]` writes `Owned` and the poisoned `Serialize`. Written
//! above, `#[owned_by]` only moves itself below `#[secure_response]` (it
//! changes nothing else on the item), and expands there.

mod attr;
mod check;
mod emit;
mod model;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Ctxt;
use crate::syntax::{is_attr, item_attrs_mut};

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let mut item: syn::Item = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(e) => {
            cx.syn_error(e);
            let errors = cx.finish();
            return quote!(#input #errors);
        }
    };
    if let syn::Item::Struct(_) = &item
        && let Some(attrs) = item_attrs_mut(&mut item)
        && let Some(last) = attrs.iter().rposition(|a| is_attr(a, "secure_response"))
    {
        attrs.insert(last + 1, syn::parse_quote!(#[::apishield::owned_by(#args)]));
        cx.finish();
        return quote!(#item);
    }
    let code = match attr::parse_args(&cx, &args) {
        Some(owner) => match check::check(&cx, model::from_item(item, owner)) {
            Ok(checked) => emit::emit(checked),
            Err(item) => quote!(#item),
        },
        None => quote!(#item),
    };
    let errors = cx.finish();
    quote!(#code #errors)
}
