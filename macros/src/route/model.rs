//! The handler a route attribute is on, as written.

use proc_macro2::TokenStream;
use syn::{FnArg, Type};

use crate::syntax::type_name;

pub(crate) enum Target {
    Handler(syn::ItemFn),
    /// Another item (reported by `check`).
    Other(syn::Item),
    /// Not an item at all (a trait method without a body).
    NotAnItem(TokenStream),
}

pub(crate) fn from_tokens(input: TokenStream) -> Target {
    match syn::parse2::<syn::Item>(input.clone()) {
        Ok(syn::Item::Fn(f)) => Target::Handler(f),
        Ok(other) => Target::Other(other),
        Err(_) => Target::NotAnItem(input),
    }
}

/// The argument types, with their spans.
pub(crate) fn argument_types(f: &syn::ItemFn) -> impl Iterator<Item = &Type> {
    f.sig.inputs.iter().filter_map(|arg| match arg {
        FnArg::Typed(t) => Some(&*t.ty),
        FnArg::Receiver(_) => None,
    })
}

/// The guard another route attribute already put on the handler, if any
/// (`RoleGuard`, `ScopeGuard`, `PublicRoute`), or the attribute itself if it
/// is still to expand.
pub(crate) fn other_route_attribute(f: &syn::ItemFn) -> Option<&'static str> {
    for ty in argument_types(f) {
        match type_name(ty).as_str() {
            "RoleGuard" => return Some("#[requires_role]"),
            "ScopeGuard" => return Some("#[requires_scope]"),
            "PublicRoute" => return Some("#[public]"),
            _ => {}
        }
    }
    f.attrs.iter().find_map(|a| match crate::syntax::last_segment(a.path()).as_str() {
        "requires_role" => Some("#[requires_role]"),
        "requires_scope" => Some("#[requires_scope]"),
        "public" => Some("#[public]"),
        _ => None,
    })
}
