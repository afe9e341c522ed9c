//! `#[secure_response]`: parse (`model`) -> check (`check`) -> expand (`emit`).

mod check;
mod emit;
mod model;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Attribute, Fields};

use crate::ctxt::Ctxt;
use crate::policy::{self, Policy};

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let mut args = model::parse_args(&cx, args);
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
    let attrs = match &item {
        syn::Item::Struct(s) => &s.attrs[..],
        syn::Item::Enum(e) => &e.attrs[..],
        _ => &[],
    };
    let inspected = model::inspect(&cx, attrs);
    // `#[owned_by]` written below this attribute has not expanded yet.
    if args.owned_by.is_none() {
        args.owned_by = inspected.owned_by;
    }
    if let Some(span) = inspected.derives_serialize
        && args.owned_by.is_none()
    {
        cx.error(
            span,
            "#[secure_response] writes the `Serialize` impl itself (only the listed fields, checked)",
            "remove `Serialize` from this derive",
        );
    }
    let container = model::from_item(&cx, &item, args);
    if let Some(c) = &container {
        check::check(&cx, &policy, c);
    }
    let mut cleaned = strip_helper_attrs(item.clone(), inspected.derives_deserialize);
    if let syn::Item::Struct(syn::ItemStruct { attrs, .. }) | syn::Item::Enum(syn::ItemEnum { attrs, .. }) =
        &mut cleaned
    {
        crate::ownership::remove_derive(attrs, "Serialize");
    }
    match container {
        Some(c) if !cx.has_errors() => {
            let code = emit::emit(&c);
            quote!(#cleaned #code)
        }
        _ => {
            let errors = cx.into_compile_errors();
            quote!(#cleaned #errors)
        }
    }
}

/// Removes `#[shield]`, and `#[serde]` unless a `Deserialize` derive reads it.
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
        _ => {}
    }
    item
}
