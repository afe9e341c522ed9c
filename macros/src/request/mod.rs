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
use syn::{Attribute, Fields};

use crate::ctxt::Ctxt;
use crate::policy::{self, Policy};

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let query = attr::parse_args(&cx, args);
    let item: syn::Item = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(e) => {
            let e = e.to_compile_error();
            return quote!(#input #e);
        }
    };
    let policy = match policy::current() {
        Ok(p) => p,
        Err(message) => {
            cx.syn_error(syn::Error::new(Span::call_site(), message));
            std::sync::Arc::new(Policy::default())
        }
    };
    let parsed = model::from_item(&cx, &item, query);
    if let Some(container) = &parsed.container {
        check::check(&cx, &policy, container);
    }
    let cleaned = strip_helper_attrs(item.clone(), parsed.derives_serialize);
    match parsed.container {
        Some(container) if !cx.has_errors() => {
            let code = emit::emit(&container, &policy);
            quote!(#cleaned #code)
        }
        _ => {
            let fallback = match &item {
                syn::Item::Struct(s) => emit::fallback_impls(&s.ident, &s.generics, parsed.derives_deserialize),
                syn::Item::Enum(e) => emit::fallback_impls(&e.ident, &e.generics, parsed.derives_deserialize),
                _ => TokenStream::new(),
            };
            let errors = cx.into_compile_errors();
            quote!(#cleaned #fallback #errors)
        }
    }
}

/// Removes `#[shield]` everywhere, and `#[serde]` unless a `Serialize` derive
/// will read it: both are helper attributes no compiler pass knows otherwise.
fn strip_helper_attrs(mut item: syn::Item, keep_serde: bool) -> syn::Item {
    let strip = |attrs: &mut Vec<Attribute>| {
        attrs.retain(|a| !a.path().is_ident("shield") && (keep_serde || !a.path().is_ident("serde")));
    };
    let strip_fields = |fields: &mut Fields| {
        for f in fields.iter_mut() {
            strip(&mut f.attrs);
        }
    };
    match &mut item {
        syn::Item::Struct(s) => {
            strip(&mut s.attrs);
            strip_fields(&mut s.fields);
        }
        syn::Item::Enum(e) => {
            strip(&mut e.attrs);
            for v in &mut e.variants {
                strip(&mut v.attrs);
                strip_fields(&mut v.fields);
            }
        }
        syn::Item::Union(u) => {
            strip(&mut u.attrs);
            for f in &mut u.fields.named {
                strip(&mut f.attrs);
            }
        }
        _ => {}
    }
    item
}
