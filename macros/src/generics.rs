//! Generic parameters of an annotated item: which field types mention them
//! (those become where-clause predicates instead of assertions), and adding
//! predicates to a where clause.

use proc_macro2::{TokenStream, TokenTree};
use quote::quote;
use syn::{GenericParam, Generics, Type};

/// The generic parameters of the item.
pub(crate) struct GenericNames {
    types: Vec<String>,
    lifetimes: Vec<syn::Lifetime>,
}

impl GenericNames {
    pub(crate) fn of(generics: &Generics) -> Self {
        GenericNames {
            types: generics
                .params
                .iter()
                .filter_map(|p| match p {
                    GenericParam::Type(t) => Some(t.ident.to_string()),
                    GenericParam::Const(c) => Some(c.ident.to_string()),
                    GenericParam::Lifetime(_) => None,
                })
                .collect(),
            lifetimes: generics.lifetimes().map(|l| l.lifetime.clone()).collect(),
        }
    }

    /// Whether the type mentions a type or const parameter of the item.
    pub(crate) fn mentioned_in(&self, ty: &Type) -> bool {
        fn walk(ts: TokenStream, names: &[String]) -> bool {
            ts.into_iter().any(|tt| match tt {
                TokenTree::Group(g) => walk(g.stream(), names),
                TokenTree::Ident(i) => names.iter().any(|n| i == n),
                _ => false,
            })
        }
        !self.types.is_empty() && walk(quote!(#ty), &self.types)
    }

    /// The never-called function holding the assertions, generic over the
    /// item's lifetimes so that field types may mention them.
    pub(crate) fn assertion_fn(&self, assertions: &[TokenStream]) -> TokenStream {
        if assertions.is_empty() {
            return TokenStream::new();
        }
        let lifetimes = &self.lifetimes;
        quote! {
            #[allow(dead_code, unused_lifetimes, single_use_lifetimes, clippy::extra_unused_lifetimes)]
            fn __apishield_assertions<#(#lifetimes),*>() {
                #(#assertions)*
            }
        }
    }
}

/// Adds predicates to a generics' where clause.
pub(crate) fn bounded(generics: &Generics, predicates: &[TokenStream]) -> Generics {
    let mut g = generics.clone();
    if !predicates.is_empty() {
        let wc = g.make_where_clause();
        for pred in predicates {
            if let Ok(pred) = syn::parse2(pred.clone()) {
                wc.predicates.push(pred);
            }
        }
    }
    g
}

/// `value`, passed through a function bounded by the bounds of a rewritten
/// `-> impl Trait` return type: the value still has to satisfy them, and the
/// user's imports of those traits stay in use.
pub(crate) fn keep_impl_bounds(
    bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
    value: TokenStream,
) -> TokenStream {
    quote! {{
        fn __apishield_returns<__T: #bounds>(value: __T) -> __T {
            value
        }
        __apishield_returns(#value)
    }}
}
