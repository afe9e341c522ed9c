//! `#[idempotent(...)]`'s arguments: `ttl = "24h"`, `lock = "30s"`,
//! `rerun_abandoned`, `keep_server_errors`. Every mistake is recorded in the
//! [`Ctxt`] and parsing goes on with the next argument.

use proc_macro2::TokenStream;
use syn::LitStr;
use syn::spanned::Spanned;

use crate::ctxt::Ctxt;
use crate::syntax::skip_value;

/// 1 s ..= 7 days, the range the design allows for `ttl`.
pub(crate) const MIN_TTL: u64 = 1;
pub(crate) const MAX_TTL: u64 = 7 * 24 * 60 * 60;

pub(crate) struct Args {
    pub(crate) ttl: Option<u64>,
    pub(crate) lock: Option<u64>,
    /// Re-run a request whose lock expired without a result.
    pub(crate) rerun_abandoned: bool,
    /// Keep (and replay) 5xx answers instead of releasing the key.
    pub(crate) keep_server_errors: bool,
}

// `"24h"`, `"90s"`, `"1h30m"`, `"7d"`: one rule with the runtime's
// configuration.
use apishield_internals::duration::parse_secs as parse_duration;

pub(crate) fn parse_args(cx: &Ctxt, args: TokenStream) -> Args {
    let mut out = Args { ttl: None, lock: None, rerun_abandoned: false, keep_server_errors: false };
    let parser = syn::meta::parser(|meta| {
        let name = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
        match name.as_str() {
            "rerun_abandoned" | "keep_server_errors" => {
                if meta.input.peek(syn::Token![=]) {
                    cx.error(
                        meta.path.span(),
                        format!("`{name}` takes no value"),
                        format!("write `#[idempotent({name})]` to turn it on; leave it out to keep it off"),
                    );
                    skip_value(&meta)?;
                    return Ok(());
                }
                let flag =
                    if name == "rerun_abandoned" { &mut out.rerun_abandoned } else { &mut out.keep_server_errors };
                if *flag {
                    cx.error(meta.path.span(), format!("`{name}` is given twice"), "write it once");
                }
                *flag = true;
            }
            "ttl" | "lock" => {
                let lit: LitStr = meta.value()?.parse()?;
                match parse_duration(&lit.value()) {
                    None => cx.error(
                        lit.span(),
                        format!("`{}` is not a duration", lit.value()),
                        "write a number and a unit: \"90s\", \"30m\", \"24h\", \"7d\" (units may be combined: \"1h30m\")",
                    ),
                    Some(secs) if !(MIN_TTL..=MAX_TTL).contains(&secs) => cx.error(
                        lit.span(),
                        format!("`{name} = \"{}\"` is outside 1s..=7d", lit.value()),
                        "records must outlive a client's retries (at least 1 s) and not pile up (at most 7 days)",
                    ),
                    Some(secs) if name == "ttl" => out.ttl = Some(secs),
                    Some(secs) => out.lock = Some(secs),
                }
            }
            _ => {
                cx.error(
                    meta.path.span(),
                    format!("unknown argument `{name}`"),
                    "the arguments are `ttl = \"24h\"`, `lock = \"30s\"`, `rerun_abandoned` and `keep_server_errors`",
                );
                skip_value(&meta)?;
            }
        }
        Ok(())
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, args) {
        cx.syn_error(e);
    }
    out
}
