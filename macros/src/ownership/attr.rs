//! `#[owned_by(name)]`'s argument: one identifier, the owner field (on a
//! type) or the path parameter (on a handler).

use proc_macro2::{Span, TokenStream};
use syn::Ident;
use syn::spanned::Spanned;

use crate::ctxt::Ctxt;

pub(crate) fn parse_args(cx: &Ctxt, args: &TokenStream) -> Option<Ident> {
    match syn::parse2::<Ident>(args.clone()) {
        Ok(ident) => Some(ident),
        Err(_) => {
            let span = if args.is_empty() { Span::call_site() } else { args.span() };
            cx.error(
                span,
                "#[owned_by] names one owner field (on a type) or one path parameter (on a handler)",
                "write e.g. `#[owned_by(user_id)]`",
            );
            None
        }
    }
}
