//! `#[idempotent(ttl = "24h")]` on an async axum handler.
//!
//! The handler is wrapped in `apishield::idempotency::run`: its key is
//! claimed before anything else runs, its response kept or replayed. A
//! handler's body extractor (its last argument, unless that is a known
//! request-parts extractor) is deferred into the wrapped code, so that the raw
//! body can be fingerprinted before it is parsed: the handler's signature
//! takes the raw `Request` in its place, and extracts from it after the claim.
//! The wrapped code runs in a task of its own once the key is claimed (see
//! `run`), so the closure the macro passes owns everything it uses.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::{FnArg, LitStr, Pat, PatType, ReturnType, Type};

use crate::ctxt::Ctxt;

/// 1 s ..= 7 days, the range the design allows for `ttl`.
const MIN_TTL: u64 = 1;
const MAX_TTL: u64 = 7 * 24 * 60 * 60;

struct Args {
    ttl: Option<u64>,
    lock: Option<u64>,
    /// Re-run a request whose lock expired without a result.
    rerun_abandoned: bool,
    /// Keep (and replay) 5xx answers instead of releasing the key.
    keep_server_errors: bool,
}

/// `"24h"`, `"90s"`, `"1h30m"`, `"7d"`: digits and a unit (`s`, `m`, `h`, `d`), repeated.
fn parse_duration(text: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut any = false;
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return None,
        };
        let n: u64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
        any = true;
    }
    (any && digits.is_empty()).then_some(total)
}

fn parse_args(cx: &Ctxt, args: TokenStream) -> Args {
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
                    meta.value()?.parse::<syn::Expr>()?;
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
                if meta.input.peek(syn::Token![=]) {
                    meta.value()?.parse::<syn::Expr>()?;
                }
            }
        }
        Ok(())
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, args) {
        cx.syn_error(e);
    }
    out
}

fn last_segment(ty: &Type) -> String {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default(),
        Type::Reference(r) => last_segment(&r.elem),
        Type::Group(g) => last_segment(&g.elem),
        _ => String::new(),
    }
}

/// Extractors that read only the request's parts: a handler ending with one
/// of these has no body extractor to defer. (`State` in particular cannot be
/// deferred: it needs the router's state.)
const PARTS_EXTRACTORS: &[&str] = &[
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

/// The handler `#[idempotent]` makes is an axum handler: without apishield's
/// `axum` feature, the item as written and an error that names the feature
/// (the macro cannot see the features; `__if_axum!` in apishield can).
fn without_axum(item: TokenStream) -> TokenStream {
    let error = syn::Error::new(
        Span::call_site(),
        "`#[idempotent]` needs the `axum` feature of apishield: the handler it makes is an axum handler\n\
         help: enable it where apishield is a dependency: `apishield = { version = \"0.1\", features = [\"axum\"] }`",
    )
    .to_compile_error();
    quote!(#item #error)
}

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let (with, without) = match expand_handler(args, input.clone()) {
        Ok(handler) => (handler, without_axum(input)),
        // The item as written and its errors, with the feature or without.
        Err(errors) => (errors.clone(), without_axum(errors)),
    };
    quote!(::apishield::__if_axum! { { #with } else { #without } })
}

/// The wrapped handler, or the item as written with every error.
fn expand_handler(args: TokenStream, input: TokenStream) -> Result<TokenStream, TokenStream> {
    let cx = Ctxt::new();
    let args = parse_args(&cx, args);
    let mut f: syn::ItemFn = match syn::parse2::<syn::Item>(input.clone()) {
        Ok(syn::Item::Fn(f)) => f,
        Ok(other) => {
            cx.error_on(
                &other,
                "#[idempotent] applies to async handler functions",
                "put it on the handler that performs the non-idempotent operation",
            );
            let errors = cx.into_compile_errors();
            return Err(quote!(#other #errors));
        }
        Err(_) => {
            // A trait method without a body, or tokens that are not an item.
            cx.error(
                Span::call_site(),
                "#[idempotent] applies to async handler functions with a body",
                "put it on the handler function itself, not on a trait method",
            );
            let errors = cx.into_compile_errors();
            return Err(quote!(#input #errors));
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
    let key_index =
        f.sig.inputs.iter().position(|a| matches!(a, FnArg::Typed(t) if last_segment(&t.ty) == "IdempotencyKey"));
    if key_index.is_none() {
        cx.error(
            f.sig.ident.span(),
            format!("the handler `{}` has no `IdempotencyKey` argument", f.sig.ident),
            "add `key: IdempotencyKey` to its arguments: it reads and checks the client's Idempotency-Key header",
        );
    }
    if cx.has_errors() {
        let errors = cx.into_compile_errors();
        return Err(quote!(#f #errors));
    }
    let p = quote!(::apishield::__private);
    let ttl = args.ttl.unwrap_or(24 * 60 * 60);
    let lock = args.lock.unwrap_or(30);
    let mut options = quote!(#p::idempotency::RouteOptions::new(#ttl, #lock));
    if args.rerun_abandoned {
        options = quote!(#options.rerun_abandoned());
    }
    if args.keep_server_errors {
        options = quote!(#options.keep_server_errors());
    }

    // The key is passed to the flow; a `_` pattern gets a name.
    let key_ident = format_ident!("__apishield_idempotency_key");
    let mut key_binding = quote!();
    if let Some(FnArg::Typed(arg)) = key_index.and_then(|i| f.sig.inputs.iter_mut().nth(i)) {
        match &*arg.pat {
            Pat::Ident(ident) => {
                let name = &ident.ident;
                key_binding = quote!(let #key_ident = ::core::clone::Clone::clone(&#name););
            }
            _ => {
                *arg.pat = syn::parse_quote!(#key_ident);
            }
        }
    }
    if key_binding.is_empty() {
        key_binding = quote!(let #key_ident = #key_ident;);
    }

    // Defer the body extractor, if the last argument may be one.
    let request_ident = format_ident!("__apishield_request");
    let deferred: Option<PatType> = match f.sig.inputs.last() {
        Some(FnArg::Typed(last)) if !PARTS_EXTRACTORS.contains(&last_segment(&last.ty).as_str()) => Some(last.clone()),
        _ => None,
    };
    if deferred.is_some() {
        f.sig.inputs.pop();
    }
    let request_arg: FnArg = syn::parse_quote!(#request_ident: #p::axum::extract::Request);
    f.sig.inputs.push(request_arg);
    let extract = match &deferred {
        Some(PatType { pat, ty, .. }) => quote! {
            let #pat: #ty = match #p::idempotency::extract::<#ty, _>(#request_ident).await {
                ::core::result::Result::Ok(value) => value,
                ::core::result::Result::Err(rejection) => return rejection,
            };
        },
        None => quote!(let _ = #request_ident;),
    };
    let request_for_flow = if deferred.is_some() {
        quote!(::core::option::Option::Some(#request_ident))
    } else {
        quote!(::core::option::Option::None)
    };

    let block = &f.block;
    let body = match &f.sig.output {
        ReturnType::Type(_, ty) => match &**ty {
            // Keep the `impl Trait` bounds (and so the user's imports) in use.
            Type::ImplTrait(it) => crate::generics::keep_impl_bounds(&it.bounds, quote!(async move #block.await)),
            ty => quote!(#p::idempotency::typed::<#ty, _>(async move #block).await),
        },
        ReturnType::Default => quote!(async move #block.await),
    };
    f.sig.output = syn::parse_quote!(-> #p::axum::response::Response);
    f.block = syn::parse_quote!({
        #key_binding
        #p::idempotency::run(
            #key_ident,
            #options,
            #request_for_flow,
            move |#request_ident| async move {
                #extract
                #p::axum::response::IntoResponse::into_response(#body)
            },
        )
        .await
    });
    Ok(quote!(#f))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("24h"), Some(86_400));
        assert_eq!(parse_duration("90s"), Some(90));
        assert_eq!(parse_duration("1h30m"), Some(5_400));
        assert_eq!(parse_duration("7d"), Some(604_800));
        for bad in ["", "24", "h", "1.5h", "1 h", "-1s", "1w", "99999999999999999999s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
