//! The route attributes on handlers: `#[public]`, `#[requires_role(..)]`,
//! `#[requires_scope(..)]`. Each puts a guard first among the handler's
//! arguments: an extractor that says what the route is (for the compile-time
//! route check and the audit) and, for roles and scopes, checks the caller
//! before any other extractor and before the handler's code.
//!
//! attr (the attribute's arguments) -> model (the handler, as written) ->
//! check (into a checked guard) -> emit (the marker type and the guard
//! argument, from the checked guard only).

mod attr;
mod check;
mod emit;
mod model;

use proc_macro2::TokenStream;
use quote::quote;

use crate::ctxt::Ctxt;

/// Which attribute.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Public,
    Role,
    Scope,
}

impl Kind {
    fn attribute(self) -> &'static str {
        match self {
            Kind::Public => "#[public]",
            Kind::Role => "#[requires_role]",
            Kind::Scope => "#[requires_scope]",
        }
    }
}

pub(crate) fn expand(kind: Kind, args: TokenStream, input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let names = attr::parse(&cx, kind, args);
    let code = match check::check(&cx, kind, names, model::from_tokens(input)) {
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
