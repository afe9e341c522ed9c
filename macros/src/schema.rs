//! The `JsonSchema` impls `#[secure_request]` and `#[secure_response]`
//! emit (apishield's `schemars` feature, which a proc macro cannot see: all
//! of it goes through `::apishield::__if_schemars!`), in one place for both.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Generics, Ident, Type};

use crate::generics::bounded;
use crate::syntax::{private, quiet};

/// The `JsonSchema` impl of `ident`: `body` makes the schema, with the
/// generator in `__g`; `bounds` are the where-clause predicates of nested
/// field types that mention a type parameter (each type parameter is
/// bounded too); `leaves` are the local items the body uses.
pub(crate) fn json_schema_impl(
    ident: &Ident,
    generics: &Generics,
    bounds: &[TokenStream],
    leaves: &[TokenStream],
    body: TokenStream,
) -> TokenStream {
    let p = private();
    let quiet = quiet(generics);
    let mut all = type_params_bound(generics, &quote!(#p::schemars::JsonSchema));
    all.extend(bounds.iter().cloned());
    let bounded_generics = bounded(generics, &all);
    let (impl_g, ty_g, where_g) = bounded_generics.split_for_impl();
    let (name, id) = schema_name_and_id(ident, generics);
    quote! {
        ::apishield::__if_schemars! {{
            #(#leaves)*

            #[automatically_derived]
            #quiet
            impl #impl_g #p::schemars::JsonSchema for #ident #ty_g #where_g {
                fn schema_name() -> #p::Cow<'static, str> {
                    #name
                }

                fn schema_id() -> #p::Cow<'static, str> {
                    #id
                }

                fn json_schema(__g: &mut #p::schemars::SchemaGenerator) -> #p::schemars::Schema {
                    #body
                }
            }
        }}
    }
}

/// An object schema of fields: `fields` are statements on an
/// `ObjectSchema` named `__s`.
pub(crate) fn object(fields: TokenStream) -> TokenStream {
    let p = private();
    quote! {{
        #[allow(unused_mut)]
        let mut __s = #p::ObjectSchema::new();
        #fields
        __s.finish()
    }}
}

/// The schema of a concrete type that may have none: its own, or any
/// value (chosen by autoref, as a leaf's reading and checking are), so the
/// feature never makes code fail that has nothing to do with schemas.
pub(crate) fn leaf(ty: &Type) -> TokenStream {
    let p = private();
    quote! {{
        #[allow(unused_imports)]
        use #p::{LeafNoSchema as _, LeafSchema as _};
        (&&#p::Leaf::<#ty>::new()).schema_leaf(__g)
    }}
}

/// `.__with_schema(..)` on a policy (feature `schemars`), for a type
/// without type or const parameters (lifetimes become `'static`: a schema
/// does not depend on them); nothing for a generic type, whose schema
/// depends on its arguments.
pub(crate) fn policy_schema(ident: &Ident, generics: &Generics) -> TokenStream {
    if generics.type_params().next().is_some() || generics.const_params().next().is_some() {
        return TokenStream::new();
    }
    let statics = generics.lifetimes().map(|_| quote!('static));
    let args = if generics.lifetimes().next().is_some() { quote!(<#(#statics),*>) } else { TokenStream::new() };
    quote!(.__with_schema(::apishield::__private::subschema::<#ident #args>))
}

/// `T: bound` for every type parameter.
fn type_params_bound(generics: &Generics, bound: &TokenStream) -> Vec<TokenStream> {
    generics
        .type_params()
        .map(|t| {
            let ident = &t.ident;
            quote!(#ident: #bound)
        })
        .collect()
}

/// The bodies of `JsonSchema::schema_name` and `schema_id`: the type's name
/// (with its type arguments' names, as schemars' own derive does), and its
/// path, which tells apart two types of the same name.
fn schema_name_and_id(ident: &Ident, generics: &Generics) -> (TokenStream, TokenStream) {
    let name = ident.to_string();
    let params: Vec<&syn::Ident> = generics.type_params().map(|t| &t.ident).collect();
    if params.is_empty() {
        return (
            quote!(::std::borrow::Cow::Borrowed(#name)),
            quote!(::std::borrow::Cow::Borrowed(::core::concat!(::core::module_path!(), "::", #name))),
        );
    }
    let js = quote!(::apishield::__private::schemars::JsonSchema);
    (
        quote! {
            ::std::borrow::Cow::Owned(::std::format!(
                "{}_for_{}",
                #name,
                [#(<#params as #js>::schema_name()),*].join("_and_")
            ))
        },
        quote! {
            ::std::borrow::Cow::Owned(::std::format!(
                "{}::{}<{}>",
                ::core::module_path!(),
                #name,
                [#(<#params as #js>::schema_id()),*].join(",")
            ))
        },
    )
}

/// For an item that failed to check (feature `schemars`): a `JsonSchema`
/// impl that keeps code naming the type's schema compiling, so the only
/// errors are the real ones.
pub(crate) fn fallback_schema_impl(ident: &Ident, generics: &Generics) -> TokenStream {
    let p = private();
    let (impl_g, ty_g, where_g) = generics.split_for_impl();
    let name = ident.to_string();
    quote! {
        ::apishield::__if_schemars! {{
            #[automatically_derived]
            impl #impl_g #p::schemars::JsonSchema for #ident #ty_g #where_g {
                fn schema_name() -> #p::Cow<'static, str> {
                    #p::Cow::Borrowed(#name)
                }

                fn json_schema(_: &mut #p::schemars::SchemaGenerator) -> #p::schemars::Schema {
                    ::core::default::Default::default()
                }
            }
        }}
    }
}
