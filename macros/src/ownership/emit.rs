//! Code generation for a checked `#[owned_by]` target.
//!
//! On a type: `Owned` (the owner field), a `Serialize` (and, with axum, an
//! `IntoResponse`) that can never be used, so the type leaves the server only
//! as `Authorized<T>`. The owner field's type is asserted to be an
//! `OwnerId` in the user's code, spanned on the type (one error, there); the
//! `Owned` impl carries the same requirement as a where clause, so it is not a
//! second error.
//!
//! On a handler: the ownership check of the path parameter against the
//! handler's `Principal`, before the body runs. The return type is asserted
//! to carry a 403 the same way, and the early return picks its conversion
//! by method resolution, so a type that cannot is one error, on the type.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::check::{Checked, HandlerReturn};
use crate::generics::keep_impl_bounds;
use crate::syntax::private;

pub(crate) fn emit(checked: Checked) -> TokenStream {
    match checked {
        Checked::Resource { item, owner, owner_ty } => resource(&item, &owner, &owner_ty),
        Checked::Handler { item, param, principal, returns } => handler(item, &param, &principal, &returns),
    }
}

fn resource(item: &syn::ItemStruct, owner: &syn::Ident, owner_ty: &syn::Type) -> TokenStream {
    let p = private();
    let ident = &item.ident;
    let (impl_g, ty_g, where_g) = item.generics.split_for_impl();
    // The `IntoResponse` poison names the type alone, so only non-generic types get it.
    let into_response = item.generics.params.is_empty().then(|| quote!(::apishield::__owned_into_response!(#ident);));
    let span = owner_ty.span();
    let lifetimes = item.generics.lifetimes();
    let assertion = quote_spanned! {span=>
        #[allow(dead_code, unused_lifetimes, single_use_lifetimes, clippy::extra_unused_lifetimes)]
        fn __apishield_assertions<#(#lifetimes),*>() {
            let _ = <#owner_ty as ::apishield::OwnerId>::is_subject;
        }
    };
    let mut owned_generics = item.generics.clone();
    owned_generics
        .make_where_clause()
        .predicates
        .push(syn::parse_quote!(for<'__apishield> #owner_ty: ::apishield::OwnerId));
    let (_, _, owned_where) = owned_generics.split_for_impl();
    let mut poisoned_generics = item.generics.clone();
    poisoned_generics.make_where_clause().predicates.push(
        syn::parse_quote!(for<'__apishield> #p::Unchecked<#ident #ty_g>: #p::AuthorizeBeforeSerializing<#ident #ty_g>),
    );
    let (_, _, poisoned_where) = poisoned_generics.split_for_impl();
    let _ = where_g;
    let (name, field) = (ident.to_string(), owner.to_string());
    let owner_text: String = quote!(#owner_ty).to_string().chars().filter(|c| !c.is_whitespace()).collect();
    let register = crate::syntax::register_type(quote!(#p::RegisteredType::__owned(
        ::core::module_path!(),
        #name,
        #field,
        #owner_text
    )));
    quote! {
        #item

        const _: () = {
            #assertion
            #register

            #[automatically_derived]
            #[allow(unused_lifetimes, single_use_lifetimes)]
            impl #impl_g #p::Owned for #ident #ty_g #owned_where {
                type Owner = #owner_ty;

                #[inline]
                fn owner(&self) -> &Self::Owner {
                    &self.#owner
                }
            }

            #[automatically_derived]
            #[allow(unused_lifetimes, single_use_lifetimes)]
            impl #impl_g #p::serde::Serialize for #ident #ty_g #poisoned_where {
                fn serialize<__S: #p::serde::Serializer>(&self, _: __S) -> #p::Result<__S::Ok, __S::Error> {
                    ::core::unreachable!()
                }
            }

            #into_response
        };
    }
}

fn handler(mut f: syn::ItemFn, param: &syn::Ident, principal: &syn::Ident, returns: &HandlerReturn) -> TokenStream {
    let p = private();
    let block = &f.block;
    let original = f.clone();
    match returns {
        // `impl IntoResponse` cannot be named for the early return: answer a
        // `Response` instead, the body's value turned into one. That is
        // axum's type: without the feature, an error that names it.
        HandlerReturn::ImplTrait => {
            let body =
                if f.sig.asyncness.is_some() { quote!(async move #block.await) } else { quote!((move || #block)()) };
            // Keep the `impl Trait` bounds (and so the user's imports) in use.
            let body = match &f.sig.output {
                syn::ReturnType::Type(_, ty) => match &**ty {
                    syn::Type::ImplTrait(it) => keep_impl_bounds(&it.bounds, body),
                    _ => body,
                },
                syn::ReturnType::Default => body,
            };
            f.sig.output = syn::parse_quote!(-> #p::axum::response::Response);
            f.block = syn::parse_quote!({
                if let ::core::result::Result::Err(__apishield_denied) = #p::require_owner(&#principal, &#param) {
                    return #p::deny(__apishield_denied);
                }
                #p::axum::response::IntoResponse::into_response(#body)
            });
            let needs_axum = syn::Error::new(
                proc_macro2::Span::call_site(),
                "an `#[owned_by]` handler that returns `impl Trait` needs the `axum` feature of apishield: it \
                 answers axum's `Response`\nhelp: enable it where apishield is a dependency: \
                 `apishield = { version = \"0.1\", features = [\"axum\"] }`, or name the return type",
            )
            .to_compile_error();
            if f.sig.asyncness.is_some() {
                f.sig.inputs.insert(0, syn::parse_quote!(_: #p::OwnerChecked));
            }
            return quote!(::apishield::__if_axum! { { #f } else { #original #needs_axum } });
        }
        HandlerReturn::Type(ty) => {
            let span = ty.span();
            let assertion = quote_spanned! {span=>
                #[allow(dead_code)]
                fn __apishield_assertions() {
                    let _ = <#ty as #p::FromForbidden>::from_forbidden;
                }
            };
            f.block = syn::parse_quote!({
                #assertion
                if let ::core::result::Result::Err(__apishield_denied) = #p::require_owner(&#principal, &#param) {
                    #[allow(unused_imports)]
                    use #p::{DenyWith as _, DenyUnreachable as _};
                    return (&&#p::Deny::<#ty>::new()).deny(__apishield_denied);
                }
                #block
            });
        }
    }
    if f.sig.asyncness.is_none() {
        return quote!(#f);
    }
    // An async handler also tells the route's audit that it checks the
    // owner: a marker extractor, first among its arguments. It is an axum
    // extractor, so only with the feature; without it the check is the same.
    let without = f.clone();
    f.sig.inputs.insert(0, syn::parse_quote!(_: #p::OwnerChecked));
    quote!(::apishield::__if_axum! { { #f } else { #without } })
}
