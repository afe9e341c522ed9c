//! Code generation for `#[secure_response]`: `SecureResponse` (the fields
//! that leave the server), `Serialize` and `Public` unless the type is owned,
//! the `Public` assertion of every sent field's type, and `From<&Model>`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::model::{Body, Container, Field};
use crate::generics::{GenericNames, bounded};

fn private() -> TokenStream {
    quote!(::apishield::__private)
}

pub(crate) fn emit(c: &Container<'_>) -> TokenStream {
    let p = private();
    let ident = c.ident;
    let name = ident.to_string();
    let generics = GenericNames::of(c.generics);
    let mut assertions = Vec::new();
    let mut bounds = Vec::new();
    let (serialize_body, wire_names) = match &c.body {
        Body::Struct(fields) => {
            let sent: Vec<&Field<'_>> = fields.iter().filter(|f| !f.skip).collect();
            for f in &sent {
                let ty = f.ty;
                if generics.mentioned_in(ty) {
                    bounds.push(quote!(#ty: #p::Public));
                } else {
                    let span = ty.span();
                    assertions.push(quote_spanned!(span=> #p::assert_public::<#ty>();));
                }
            }
            (serialize_struct(&name, &sent), sent.iter().map(|f| f.wire.clone()).collect::<Vec<_>>())
        }
        Body::UnitEnum(variants) => {
            let arms = variants.iter().enumerate().map(|(i, (variant, wire, cfgs))| {
                let index = u32::try_from(i).unwrap_or(u32::MAX);
                quote! {
                    #(#cfgs)* #ident::#variant => #p::serde::Serializer::serialize_unit_variant(__serializer, #name, #index, #wire),
                }
            });
            let body = if variants.is_empty() { quote!(match *self {}) } else { quote!(match self { #(#arms)* }) };
            (body, variants.iter().map(|(_, wire, _)| wire.clone()).collect())
        }
    };
    let bounded_generics = bounded(c.generics, &bounds);
    let (impl_g, ty_g, where_g) = bounded_generics.split_for_impl();
    let owned_by = match &c.args.owned_by {
        Some(field) => {
            let field = field.to_string();
            quote!(#p::Some(#field))
        }
        None => quote!(#p::None),
    };
    // An owned type gets no `Serialize` and no `Public`: `#[owned_by]` gives
    // it a `Serialize` that can never be used, and `Authorized<T>` serializes
    // it through `SecureResponse`.
    let public = c.args.owned_by.is_none().then(|| {
        quote! {
            #[automatically_derived]
            impl #impl_g #p::serde::Serialize for #ident #ty_g #where_g {
                #[inline]
                fn serialize<__S: #p::serde::Serializer>(&self, __serializer: __S) -> #p::Result<__S::Ok, __S::Error> {
                    #p::SecureResponse::__serialize(self, __serializer)
                }
            }

            #[automatically_derived]
            impl #impl_g #p::Public for #ident #ty_g #where_g {}
        }
    });
    let from = c.args.from.as_ref().map(|model| from_model(c, model));
    let assertions = generics.assertion_fn(&assertions);
    quote! {
        const _: () = {
            #assertions

            #[automatically_derived]
            impl #impl_g #p::SecureResponse for #ident #ty_g #where_g {
                const POLICY: &'static #p::ResponsePolicy =
                    &#p::ResponsePolicy::__new(#name, &[#(#wire_names),*], #owned_by);

                fn __serialize<__S: #p::serde::Serializer>(&self, __serializer: __S) -> #p::Result<__S::Ok, __S::Error> {
                    #serialize_body
                }
            }

            #public
            #from
        };
    }
}

fn serialize_struct(name: &str, sent: &[&Field<'_>]) -> TokenStream {
    let p = private();
    let fixed = sent.iter().filter(|f| f.skip_if.is_none()).count();
    let conditional = sent.iter().filter_map(|f| {
        let ident = f.ident;
        let cfgs = &f.cfgs;
        f.skip_if.as_ref().map(|path| quote!(#(#cfgs)* if !#path(&self.#ident) { __len += 1; }))
    });
    let fields = sent.iter().map(|f| {
        let ident = f.ident;
        let wire = &f.wire;
        let cfgs = &f.cfgs;
        match &f.skip_if {
            None => quote! {
                #(#cfgs)* #p::serialize_field(&mut __state, #wire, &self.#ident)?;
            },
            Some(path) => quote! {
                #(#cfgs)*
                if #path(&self.#ident) {
                    #p::serde::ser::SerializeStruct::skip_field(&mut __state, #wire)?;
                } else {
                    #p::serialize_field(&mut __state, #wire, &self.#ident)?;
                }
            },
        }
    });
    quote! {
        #[allow(unused_mut)]
        let mut __len: usize = #fixed;
        #(#conditional)*
        let mut __state = #p::serde::Serializer::serialize_struct(__serializer, #name, __len)?;
        #(#fields)*
        #p::serde::ser::SerializeStruct::end(__state)
    }
}

/// `From<&Model>`: every field from the model field of the same name, either
/// converted (a nested response from its model) or cloned (the same type).
/// A model without the field, or with an incompatible type, is a compile
/// error on the response field.
fn from_model(c: &Container<'_>, model: &syn::Path) -> TokenStream {
    let p = private();
    let ident = c.ident;
    let Body::Struct(fields) = &c.body else {
        return TokenStream::new();
    };
    let (impl_g, ty_g, where_g) = c.generics.split_for_impl();
    let inits = fields.iter().map(|f| {
        let field = f.ident;
        let ty = f.ty;
        let cfgs = &f.cfgs;
        let span = field.span();
        quote_spanned! {span=>
            #(#cfgs)* #field: (&&#p::Probe::<_, #ty>::new(&__model.#field)).project()
        }
    });
    quote! {
        #[automatically_derived]
        impl #impl_g ::core::convert::From<&#model> for #ident #ty_g #where_g {
            fn from(__model: &#model) -> Self {
                #[allow(unused_imports)]
                use #p::{ViaClone as _, ViaMismatch as _, ViaModel as _};
                Self { #(#inits),* }
            }
        }

        #[automatically_derived]
        impl #impl_g #p::FromModel<#model> for #ident #ty_g #where_g {
            #[inline]
            fn from_model(__model: &#model) -> Self {
                ::core::convert::From::from(__model)
            }
        }
    }
}
