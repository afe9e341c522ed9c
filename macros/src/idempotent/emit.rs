//! Code generation for a checked `#[idempotent]` handler.
//!
//! The handler is wrapped in `apishield::idempotency::run`: its key is
//! claimed before anything else runs, its response kept or replayed. A
//! handler's body extractor is deferred into the wrapped code, so that the
//! raw body can be fingerprinted before it is parsed: the handler's
//! signature takes the raw request in its place (`Deferred<Extractor,
//! ReturnType>`, which stands for both in the route's policy), and extracts
//! from it after the claim. The wrapped code runs in a task of its own once the key is
//! claimed (see `run`), so the closure the macro passes owns everything it
//! uses.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::{FnArg, Pat, PatType, ReturnType, Type};

use super::check::Checked;
use crate::generics::keep_impl_bounds;
use crate::syntax::private;

pub(crate) fn emit(checked: Checked) -> TokenStream {
    let Checked {
        item: mut f,
        key_index,
        body_extractor: deferred,
        ttl_secs,
        lock_secs,
        rerun_abandoned,
        keep_server_errors,
    } = checked;
    let p = private();
    let mut options = quote!(#p::idempotency::RouteOptions::new(#ttl_secs, #lock_secs));
    if rerun_abandoned {
        options = quote!(#options.rerun_abandoned());
    }
    if keep_server_errors {
        options = quote!(#options.keep_server_errors());
    }

    // The key is passed to the flow; a `_` pattern gets a name.
    let key_ident = format_ident!("__apishield_idempotency_key");
    let mut key_binding = quote!();
    if let Some(FnArg::Typed(arg)) = f.sig.inputs.iter_mut().nth(key_index) {
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
    if deferred.is_some() {
        f.sig.inputs.pop();
    }
    // The raw request stands, for the route's policy and audit, for the
    // extractor it defers and for the handler's own return type.
    let deferred_ty = match &deferred {
        Some(PatType { ty, .. }) => quote!(#ty),
        None => quote!(#p::NoBody),
    };
    let returned_ty = match &f.sig.output {
        ReturnType::Type(_, ty) if !matches!(**ty, Type::ImplTrait(_)) => quote!(#ty),
        ReturnType::Type(..) => quote!(#p::axum::response::Response),
        ReturnType::Default => quote!(()),
    };
    let request_arg: FnArg = syn::parse_quote!(#request_ident: #p::Deferred<#deferred_ty, #returned_ty>);
    f.sig.inputs.push(request_arg);
    let extract = match &deferred {
        Some(PatType { pat, ty, .. }) => quote! {
            let #pat: #ty = match #p::idempotency::extract::<#ty, _>(#request_ident).await {
                ::core::result::Result::Ok(value) => value,
                ::core::result::Result::Err(rejection) => return rejection,
            };
        },
        None => quote!(let _: ::core::option::Option<#p::axum::extract::Request> = #request_ident;),
    };
    let request_for_flow = if deferred.is_some() {
        quote!(::core::option::Option::Some(#request_ident.into_request()))
    } else {
        quote!({
            let _ = #request_ident;
            ::core::option::Option::None
        })
    };

    let block = &f.block;
    let body = match &f.sig.output {
        ReturnType::Type(_, ty) => match &**ty {
            // Keep the `impl Trait` bounds (and so the user's imports) in use.
            Type::ImplTrait(it) => keep_impl_bounds(&it.bounds, quote!(async move #block.await)),
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
    quote!(#f)
}
