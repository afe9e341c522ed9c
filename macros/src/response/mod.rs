//! `#[secure_response]`: parse (`attr`, `model`) -> check (`check`, into a
//! checked model) -> expand (`emit`, from the checked model only).

mod attr;
mod check;
mod emit;
mod model;

use proc_macro2::{Span, TokenStream};
use quote::quote;

use crate::ctxt::Ctxt;
use crate::policy;
use crate::syntax::{item_attrs, item_attrs_mut, remove_derive, strip_helper_attrs};
use model::Ownership;

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let args = attr::parse_args(&cx, args);
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
    let inspected = model::inspect(&cx, item_attrs(&item));
    if let Some(span) = inspected.derives_serialize {
        match &inspected.ownership {
            Ownership::None => cx.error(
                span,
                "#[secure_response] writes the `Serialize` impl itself (only the listed fields, checked)",
                "remove `Serialize` from this derive",
            ),
            Ownership::Owned(_) | Ownership::Malformed => cx.error(
                span,
                format!(
                    "`{}` has an owner: a derived `Serialize` would let it leave without an ownership check",
                    item_ident(&item).map(ToString::to_string).unwrap_or_default()
                ),
                "remove `Serialize` from this derive; the type leaves the server as `Authorized<T>`",
            ),
        }
    }
    let container = model::from_item(&cx, &item, args, inspected.ownership.clone());
    let checked = match (&container, &policy.policy) {
        (Some(c), Ok(rules)) => check::check(&cx, rules, c),
        _ => None,
    };
    let mut cleaned = strip_helper_attrs(item.clone(), inspected.derives_deserialize);
    if let Some(attrs) = item_attrs_mut(&mut cleaned) {
        remove_derive(attrs, "Serialize");
    }
    let code = match checked {
        Some(checked) if !cx.has_errors() => emit::emit(&checked),
        _ => match &item {
            syn::Item::Struct(s) => emit::fallback_impls(&s.ident, &s.generics, &inspected.ownership),
            syn::Item::Enum(e) => emit::fallback_impls(&e.ident, &e.generics, &inspected.ownership),
            _ => TokenStream::new(),
        },
    };
    let tracked = policy.tracking();
    let errors = cx.finish();
    quote!(#cleaned #code #tracked #errors)
}

fn item_ident(item: &syn::Item) -> Option<&syn::Ident> {
    match item {
        syn::Item::Struct(s) => Some(&s.ident),
        syn::Item::Enum(e) => Some(&e.ident),
        syn::Item::Union(u) => Some(&u.ident),
        _ => None,
    }
}
