//! Small syntax helpers every macro uses: the generated code's root path,
//! attribute and path names, `#[cfg]`s, helper attributes to strip, derives
//! to remove.

use proc_macro2::TokenStream;
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::punctuated::Punctuated;
use syn::{Attribute, Fields, Token, Type};

/// The root of every path generated code uses.
pub(crate) fn private() -> TokenStream {
    quote!(::apishield::__private)
}

/// Registers a type for the audit (`apishield::audit::RegisteredType`),
/// before `main`, through the runtime's re-export of `inventory`: only with
/// apishield's `axum` feature, where the audit is.
pub(crate) fn register_type(value: TokenStream) -> TokenStream {
    quote! {
        ::apishield::__if_axum! {{
            ::apishield::__private::inventory::submit! { #value }
        } else {}}
    }
}

/// `#[diagnostic::do_not_recommend]` for the generated impls of a type
/// without generics: an error about another type then does not list this
/// one as "the trait is implemented for". (A generic impl keeps it: its
/// where clauses must stay the ones the compiler blames.)
pub(crate) fn quiet(generics: &syn::Generics) -> TokenStream {
    if generics.params.is_empty() { quote!(#[diagnostic::do_not_recommend]) } else { TokenStream::new() }
}

/// `a::b::c` as written.
pub(crate) fn path_name(path: &syn::Path) -> String {
    path.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>().join("::")
}

/// The last segment of a path (`secure_response` of `apishield::secure_response`).
pub(crate) fn last_segment(path: &syn::Path) -> String {
    path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default()
}

/// The last segment of a type's path, through references and groups
/// (`Principal` of `&apishield::Principal`).
pub(crate) fn type_name(ty: &Type) -> String {
    match ty {
        Type::Path(p) => last_segment(&p.path),
        Type::Reference(r) => type_name(&r.elem),
        Type::Group(g) => type_name(&g.elem),
        Type::Paren(p) => type_name(&p.elem),
        _ => String::new(),
    }
}

/// Whether the attribute is `#[name]` or `#[some::path::name]`.
pub(crate) fn is_attr(attr: &Attribute, name: &str) -> bool {
    last_segment(attr.path()) == name
}

/// Consumes whatever follows a key that is reported or ignored
/// (`= expr` or `(...)`), so parsing goes on with the next key.
pub(crate) fn skip_value(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|m| skip_value(&m))?;
    }
    Ok(())
}

/// The `#[cfg]` attributes, to put on whatever generated code reads the
/// field or variant.
pub(crate) fn cfgs(attrs: &[Attribute]) -> Vec<&Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("cfg")).collect()
}

/// Removes `#[shield]` everywhere, and `#[serde]` unless `keep_serde` (a
/// serde derive on the item reads it): helper attributes that no compiler
/// pass knows otherwise.
pub(crate) fn strip_helper_attrs(mut item: syn::Item, keep_serde: bool) -> syn::Item {
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

/// The attributes of a struct, enum or union.
pub(crate) fn item_attrs(item: &syn::Item) -> &[Attribute] {
    match item {
        syn::Item::Struct(s) => &s.attrs,
        syn::Item::Enum(e) => &e.attrs,
        syn::Item::Union(u) => &u.attrs,
        _ => &[],
    }
}

/// The attributes of a struct, enum or union, to edit.
pub(crate) fn item_attrs_mut(item: &mut syn::Item) -> Option<&mut Vec<Attribute>> {
    match item {
        syn::Item::Struct(s) => Some(&mut s.attrs),
        syn::Item::Enum(e) => Some(&mut e.attrs),
        syn::Item::Union(u) => Some(&mut u.attrs),
        _ => None,
    }
}

/// Where the item derives `name` (`Serialize`, `serde::Deserialize`): the
/// path in the derive list, for the error's span.
pub(crate) fn find_derive(attrs: &[Attribute], name: &str) -> Option<syn::Path> {
    attrs.iter().filter(|a| a.path().is_ident("derive")).find_map(|attr| {
        let paths = attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated).ok()?;
        paths.into_iter().find(|p| last_segment(p) == name)
    })
}

/// Removes `name` from the item's `#[derive(...)]` lists, so that after its
/// error no conflicting impl adds noise.
pub(crate) fn remove_derive(attrs: &mut Vec<Attribute>, name: &str) {
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated) else {
            continue;
        };
        if paths.iter().any(|p| last_segment(p) == name) {
            let kept = paths.into_iter().filter(|p| last_segment(p) != name);
            *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
        }
    }
    attrs.retain(|a| !(a.path().is_ident("derive") && matches!(&a.meta, syn::Meta::List(l) if l.tokens.is_empty())));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_one_derive_and_empty_lists() {
        let mut item: syn::ItemStruct = syn::parse_quote! {
            #[derive(Debug, serde::Serialize)]
            #[derive(Serialize)]
            struct A { x: u8 }
        };
        assert!(find_derive(&item.attrs, "Serialize").is_some());
        remove_derive(&mut item.attrs, "Serialize");
        assert!(find_derive(&item.attrs, "Serialize").is_none());
        assert_eq!(item.attrs.len(), 1, "the emptied derive is gone");
        assert!(find_derive(&item.attrs, "Debug").is_some());
    }

    #[test]
    fn names_through_references() {
        let ty: Type = syn::parse_quote!(&'a apishield::Principal);
        assert_eq!(type_name(&ty), "Principal");
        let attr: Attribute = syn::parse_quote!(#[apishield::secure_response(from = M)]);
        assert!(is_attr(&attr, "secure_response"));
    }
}
