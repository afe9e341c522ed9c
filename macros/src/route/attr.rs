//! The arguments: none for `#[public]`; one or more string literals for
//! `#[requires_role("admin", ..)]` and `#[requires_scope("orders:write", ..)]`.

use proc_macro2::{Span, TokenStream};
use syn::LitStr;
use syn::parse::Parser;
use syn::punctuated::Punctuated;

use super::Kind;
use crate::ctxt::Ctxt;

/// The names as written, each with its literal for spans. Empty on a parse
/// error (already reported).
pub(crate) fn parse(cx: &Ctxt, kind: Kind, args: TokenStream) -> Vec<LitStr> {
    if kind == Kind::Public {
        if !args.is_empty() {
            cx.error_on(&args, "`#[public]` takes no arguments", "write `#[public]`");
        }
        return Vec::new();
    }
    let what = if kind == Kind::Role { "role" } else { "scope" };
    if args.is_empty() {
        cx.error(
            Span::call_site(),
            format!("{} needs at least one {what}", kind.attribute()),
            format!("name it: `{}`", usage(kind)),
        );
        return Vec::new();
    }
    match Punctuated::<LitStr, syn::Token![,]>::parse_terminated.parse2(args) {
        Ok(names) => names.into_iter().collect(),
        Err(e) => {
            cx.error(
                e.span(),
                format!("{} takes string literals", kind.attribute()),
                format!("write `{}`", usage(kind)),
            );
            Vec::new()
        }
    }
}

/// `#[requires_role("admin")]`, `#[requires_scope("orders:write")]`.
fn usage(kind: Kind) -> &'static str {
    if kind == Kind::Role { "#[requires_role(\"admin\")]" } else { "#[requires_scope(\"orders:write\")]" }
}
