//! What `#[idempotent]` is on: a function with a body (or something else,
//! reported by `check`), and which of its arguments matter: the
//! `IdempotencyKey`, and the body extractor to defer.

use proc_macro2::TokenStream;
use syn::{FnArg, PatType};

use crate::syntax::type_name;

pub(crate) enum Target {
    Handler(syn::ItemFn),
    /// Another item (a struct...).
    Other(syn::Item),
    /// Tokens that are not an item (a trait method without a body).
    NotAnItem(TokenStream),
}

pub(crate) fn from_tokens(input: TokenStream) -> Target {
    match syn::parse2::<syn::Item>(input.clone()) {
        Ok(syn::Item::Fn(f)) => Target::Handler(f),
        Ok(other) => Target::Other(other),
        Err(_) => Target::NotAnItem(input),
    }
}

/// Extractors that read only the request's parts: a handler ending with one
/// of these has no body extractor to defer. (`State` in particular cannot be
/// deferred: it needs the router's state.)
pub(crate) const PARTS_EXTRACTORS: &[&str] = &[
    "IdempotencyKey",
    "Principal",
    "State",
    "Extension",
    "Path",
    "Query",
    "SecureQuery",
    "HeaderMap",
    "Method",
    "Uri",
    "OriginalUri",
    "MatchedPath",
    "ConnectInfo",
    "TypedHeader",
];

/// The position of the `IdempotencyKey` argument.
pub(crate) fn key_index(f: &syn::ItemFn) -> Option<usize> {
    f.sig.inputs.iter().position(|a| matches!(a, FnArg::Typed(t) if type_name(&t.ty) == "IdempotencyKey"))
}

/// The last argument, if it may be a body extractor (not a known
/// request-parts extractor): it is deferred until the key is claimed.
pub(crate) fn body_extractor(f: &syn::ItemFn) -> Option<PatType> {
    match f.sig.inputs.last() {
        Some(FnArg::Typed(last)) if !PARTS_EXTRACTORS.contains(&type_name(&last.ty).as_str()) => Some(last.clone()),
        _ => None,
    }
}
