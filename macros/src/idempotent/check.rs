//! The checks of `#[idempotent]`: an async free function with an
//! `IdempotencyKey` argument. A handler that passes comes out checked, with
//! its options resolved (the documented defaults applied here, by name).

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::FnArg;

use super::attr::Args;
use super::model::{Target, body_extractor, key_index};
use crate::ctxt::Ctxt;

/// How long a record lives unless `ttl` says otherwise: a day, the window
/// in which clients retry.
const DEFAULT_TTL_SECS: u64 = 24 * 60 * 60;
/// How long a claim holds unless `lock` says otherwise (renewed while the
/// handler runs).
const DEFAULT_LOCK_SECS: u64 = 30;

pub(crate) struct Checked {
    pub(crate) item: syn::ItemFn,
    pub(crate) key_index: usize,
    /// The last argument, deferred until the key is claimed.
    pub(crate) body_extractor: Option<syn::PatType>,
    pub(crate) ttl_secs: u64,
    pub(crate) lock_secs: u64,
    pub(crate) rerun_abandoned: bool,
    pub(crate) keep_server_errors: bool,
}

/// Checks the target; the checked handler, or the tokens to emit unchanged
/// next to the errors.
pub(crate) fn check(cx: &Ctxt, args: Args, target: Target) -> Result<Checked, TokenStream> {
    let f = match target {
        Target::Handler(f) => f,
        Target::Other(other) => {
            cx.error_on(
                &other,
                "#[idempotent] applies to async handler functions",
                "put it on the handler that performs the non-idempotent operation",
            );
            return Err(quote!(#other));
        }
        Target::NotAnItem(tokens) => {
            cx.error(
                Span::call_site(),
                "#[idempotent] applies to async handler functions with a body",
                "put it on the handler function itself, not on a trait method",
            );
            return Err(tokens);
        }
    };
    if f.sig.asyncness.is_none() {
        cx.error(
            f.sig.fn_token.span,
            format!("`{}` must be async: the idempotency store is asynchronous", f.sig.ident),
            "write `async fn`",
        );
    }
    if let Some(receiver) = f.sig.inputs.iter().find(|a| matches!(a, FnArg::Receiver(_))) {
        cx.error_on(receiver, "#[idempotent] applies to handler functions, not methods", "make it a free function");
    }
    let key = key_index(&f);
    if key.is_none() {
        cx.error(
            f.sig.ident.span(),
            format!("the handler `{}` has no `IdempotencyKey` argument", f.sig.ident),
            "add `key: IdempotencyKey` to its arguments: it reads and checks the client's Idempotency-Key header",
        );
    }
    match key {
        Some(key_index) if !cx.has_errors() => Ok(Checked {
            body_extractor: body_extractor(&f),
            item: f,
            key_index,
            ttl_secs: args.ttl.unwrap_or(DEFAULT_TTL_SECS),
            lock_secs: args.lock.unwrap_or(DEFAULT_LOCK_SECS),
            rerun_abandoned: args.rerun_abandoned,
            keep_server_errors: args.keep_server_errors,
        }),
        _ => Err(quote!(#f)),
    }
}
