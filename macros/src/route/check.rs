//! The checks of the route attributes: a free function; names that are
//! plain words, each once; `#[public]` never beside a role, a scope or a
//! required `Principal`.

use std::collections::BTreeSet;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{FnArg, LitStr};

use super::Kind;
use super::model::{Target, argument_types, other_route_attribute};
use crate::ctxt::Ctxt;
use crate::syntax::type_name;

pub(crate) struct Checked {
    pub(crate) item: syn::ItemFn,
    pub(crate) kind: Kind,
    /// The roles or scopes, as written (empty for `#[public]`).
    pub(crate) names: Vec<String>,
}

pub(crate) fn check(cx: &Ctxt, kind: Kind, names: Vec<LitStr>, target: Target) -> Result<Checked, TokenStream> {
    let attribute = kind.attribute();
    let f = match target {
        Target::Handler(f) => f,
        Target::Other(other) => {
            cx.error_on(&other, format!("{attribute} applies to handler functions"), "put it on the route's handler");
            return Err(quote!(#other));
        }
        Target::NotAnItem(tokens) => {
            cx.error(
                Span::call_site(),
                format!("{attribute} applies to handler functions with a body"),
                "put it on the handler function itself, not on a trait method",
            );
            return Err(tokens);
        }
    };
    if let Some(receiver) = f.sig.inputs.iter().find(|a| matches!(a, FnArg::Receiver(_))) {
        cx.error_on(
            receiver,
            format!("{attribute} applies to handler functions, not methods"),
            "make it a free function",
        );
    }
    match other_route_attribute(&f) {
        Some(other) if other == attribute => cx.error(
            Span::call_site(),
            format!("{attribute} is given twice"),
            "name every role or scope in one attribute: `#[requires_role(\"admin\", \"support\")]` (the caller needs one of the roles, all of the scopes)",
        ),
        Some(other) if kind == Kind::Public || other == "#[public]" => cx.error(
            Span::call_site(),
            format!("a handler is either `#[public]` or guarded by a role or scope, not both (it also has {other})"),
            "remove `#[public]`: a role or scope check needs an authenticated caller",
        ),
        _ => {}
    }
    if kind == Kind::Public {
        for ty in argument_types(&f) {
            if type_name(ty) == "Principal" {
                cx.error_on(
                    ty,
                    "a `#[public]` route serves anonymous callers, but a `Principal` argument refuses them (401)",
                    "take `Option<Principal>` to see who calls when someone does, or remove `#[public]`",
                );
            }
        }
    }
    let what = if kind == Kind::Role { "role" } else { "scope" };
    let mut seen = BTreeSet::new();
    for name in &names {
        let value = name.value();
        if value.is_empty() {
            cx.error(
                name.span(),
                format!("an empty {what} matches no caller"),
                format!("name the {what}: `\"admin\"`"),
            );
        } else if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
            cx.error(
                name.span(),
                format!("`{}` is not one {what}: it contains whitespace", value.escape_debug()),
                format!("give each {what} as its own string: `(\"a\", \"b\")`"),
            );
        } else if !seen.insert(value.clone()) {
            cx.error(name.span(), format!("the {what} `{value}` is given twice"), "write it once");
        }
    }
    Ok(Checked { item: f, kind, names: names.iter().map(LitStr::value).collect() })
}
