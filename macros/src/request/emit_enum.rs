//! Code generation for tagged enums. Each variant with fields gets a private
//! marker type whose `StructFields` impl reads the variant's fields exactly
//! as a struct's are read; the enum's own impl finds the tag and dispatches.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::check::{Checked, CheckedKind, CheckedVariant};
use super::emit::{
    EmitCx, FieldsCode, GenericNames, Items, bounded, common_impls, fields_code, private, quiet, schema_impl, with_de,
};

pub(crate) fn emit_tagged(
    checked: &Checked<'_>,
    tag: &str,
    content: Option<&str>,
    variants: &[CheckedVariant<'_>],
) -> TokenStream {
    let p = private();
    let c = checked.container;
    let ident = c.ident;
    let quiet = quiet(c.generics);
    let generics = GenericNames::of(c.generics);
    let emit_cx = EmitCx::new(&generics, c.generics);
    let mut items = Items::default();
    let mut markers = Vec::new();
    let mut read_arms = Vec::new();
    let mut check_arms = Vec::new();
    let mut field_policies = Vec::new();
    let mut lookup_arms = Vec::new();
    let mut names = Vec::new();
    let mut schema_variants = Vec::new();
    // Where a variant's fields sit: beside the tag, or inside the content field.
    let fields_at = if content.is_some() { quote!(&__content_at) } else { quote!(__at) };
    for (i, CheckedVariant { variant: v, kind }) in variants.iter().enumerate() {
        let cfgs = &v.cfgs;
        let variant = v.ident;
        let wire = &v.wire;
        let aliases = &v.aliases;
        // A `u16` literal: an enum with more variants is a compile error here.
        let index = proc_macro2::Literal::usize_unsuffixed(i);
        lookup_arms.push(quote!(#(#cfgs)* #wire #(| #aliases)* => #p::Some(#index)));
        names.push(wire.clone());
        match kind {
            CheckedKind::Unit | CheckedKind::Struct(_) => {
                let fields = match kind {
                    CheckedKind::Struct(fields) => fields.as_slice(),
                    _ => &[],
                };
                let marker = format_ident!("__ApishieldVariant{}", i);
                let FieldsCode { visit, check, policy: policies, schema } =
                    fields_code(&mut items, fields, quote!(#ident::#variant), &|f| quote!(#f), &emit_cx);
                field_policies.extend(policies);
                let object = match kind {
                    CheckedKind::Unit => quote!(#p::None),
                    _ => {
                        let object = crate::schema::object(schema);
                        quote!(#p::Some(#object))
                    }
                };
                let variant_schema = match content {
                    None => quote!(#p::internal_variant(#tag, #wire, #object)),
                    Some(c) => quote!(#p::adjacent_variant(#tag, #c, #wire, #object)),
                };
                schema_variants.push(quote!(#(#cfgs)* __variants.push(#variant_schema);));
                markers.push((marker.clone(), visit));
                let read = match (content, kind) {
                    (None, _) => quote!(<#marker as #p::StructFields<'de>>::visit_fields(__map, __cx, __at)),
                    (Some(_), CheckedKind::Unit) => quote! {
                        #p::Ok(#p::expect_no_content(__body, __cx, &__content_at).map(|()| #ident::#variant))
                    },
                    (Some(_), _) => quote! {
                        match #p::required_content::<__A::Error>(__body, __cx, &__content_at) {
                            #p::Some(__de) => #p::read_struct::<#marker, _>(__de, __cx, &__content_at),
                            #p::None => #p::Ok(#p::None),
                        }
                    },
                };
                read_arms.push(quote!(#(#cfgs)* #index => #read,));
                let bindings: Vec<_> = fields
                    .iter()
                    .filter(|f| f.read.is_some())
                    .map(|f| {
                        let cfgs = &f.field.cfgs;
                        let name = f.field.ident;
                        quote!(#(#cfgs)* #name)
                    })
                    .collect();
                check_arms.push(quote! {
                    #(#cfgs)* #ident::#variant { #(#bindings,)* .. } => {
                        let __at = #fields_at;
                        #check
                    }
                });
            }
            CheckedKind::Newtype(ty) => {
                let span = ty.span();
                let rules = content.map(|_| items.nested(ty, false, &generics, &emit_cx.lifetimes));
                let read = match &rules {
                    None => {
                        // Shares the object with the tag, so it must be a struct.
                        items.assertions.push(quote_spanned! {span=>
                            let _ = <#ty as #p::StructFields<'_>>::EXPECTING;
                        });
                        quote! {
                            <#ty as #p::StructFields<'de>>::visit_fields(__map, __cx, __at).map(|__v| __v.map(#ident::#variant))
                        }
                    }
                    Some(rules) => {
                        quote! {
                            match #p::required_content::<__A::Error>(__body, __cx, &__content_at) {
                                #p::Some(__de) => #p::Ok(
                                    <#rules as #p::Read<'de, #ty>>::read(&#rules, __de, __cx, &__content_at)?
                                        .map(#ident::#variant),
                                ),
                                #p::None => #p::Ok(#p::None),
                            }
                        }
                    }
                };
                read_arms.push(quote!(#(#cfgs)* #index => #read,));
                let variant_schema = match (&rules, content) {
                    (Some(rules), Some(c)) => quote! {
                        #p::adjacent_variant(#tag, #c, #wire, #p::Some(#p::RuleSchema::<#ty>::schema(&#rules, __g)))
                    },
                    // Beside the tag: the type's own object schema, inline.
                    _ => {
                        items.schema_bounds.push(quote!(#ty: #p::schemars::JsonSchema));
                        quote! {
                            #p::internal_variant(#tag, #wire, #p::Some(<#ty as #p::schemars::JsonSchema>::json_schema(__g)))
                        }
                    }
                };
                schema_variants.push(quote!(#(#cfgs)* __variants.push(#variant_schema);));
                let check = match &rules {
                    None => quote!(#p::NestedCheck::check_nested(__inner, __cx, __at);),
                    Some(rules) => quote!(#p::Check::check(&#rules, __inner, __cx, __at);),
                };
                check_arms.push(quote! {
                    #(#cfgs)* #ident::#variant(__inner) => {
                        let __at = #fields_at;
                        #check
                    }
                });
            }
        }
    }
    let content_tokens = match content {
        Some(c) => quote!(#p::Some(#c)),
        None => quote!(#p::None),
    };
    let dispatch = match content {
        None => quote! {
            let #p::Some((__variant, __map)) = #p::find_tag(__map, &__APISHIELD_TAGGING, __cx, __at)? else {
                return #p::Ok(#p::None);
            };
        },
        Some(c) => quote! {
            let #p::Some((__variant, __body)) = #p::read_adjacent(__map, &__APISHIELD_TAGGING, __cx, __at)? else {
                return #p::Ok(#p::None);
            };
            let __content_at = __at.field(#c);
        },
    };
    let check_prelude = match content {
        Some(c) => quote!(let __content_at = __at.field(#c);),
        None => quote!(),
    };
    let Items { statics, assertions, read_bounds, check_bounds, leaves, schema_leaves, schema_bounds, .. } = items;
    let assertions = generics.assertion_fn(&assertions);
    let common = common_impls(checked, &field_policies, &read_bounds, &check_bounds);
    let schema_impl = schema_impl(
        checked,
        &schema_bounds,
        &schema_leaves,
        quote! {
            #[allow(unused_mut)]
            let mut __variants = ::std::vec::Vec::new();
            #(#schema_variants)*
            #p::one_of_variants(__variants)
        },
    );
    let mut both = read_bounds.clone();
    both.extend(check_bounds.iter().cloned());
    let de_generics = bounded(&with_de(c.generics), &both);
    let (de_impl, _, de_where) = de_generics.split_for_impl();
    let check_generics = bounded(c.generics, &check_bounds);
    let (_, _, check_where) = check_generics.split_for_impl();
    let markers = markers.into_iter().map(|(marker, visit)| {
        quote! {
            struct #marker;

            #[automatically_derived]
            impl #de_impl #p::StructFields<'de> for #marker #de_where {
                type Output = #ident;

                fn visit_fields<__A: #p::serde::de::MapAccess<'de>>(
                    mut __map: __A,
                    __cx: &mut #p::Cx,
                    __at: &#p::Path<'_>,
                ) -> #p::Result<#p::Option<#ident>, __A::Error> {
                    #visit
                }
            }
        }
    });
    quote! {
        const _: () = {
            #(#leaves)*
            #(#statics)*
            #assertions
            #(#markers)*

            fn __apishield_variant(__key: &str) -> #p::Option<u16> {
                match __key {
                    #(#lookup_arms,)*
                    _ => #p::None,
                }
            }

            static __APISHIELD_TAGGING: #p::Tagging = #p::Tagging {
                tag: #tag,
                content: #content_tokens,
                lookup: __apishield_variant,
                names: &[#(#names),*],
            };

            #[automatically_derived]
            #quiet
            impl #de_impl #p::StructFields<'de> for #ident #de_where {
                type Output = Self;

                fn visit_fields<__A: #p::serde::de::MapAccess<'de>>(
                    __map: __A,
                    __cx: &mut #p::Cx,
                    __at: &#p::Path<'_>,
                ) -> #p::Result<#p::Option<Self>, __A::Error> {
                    #dispatch
                    match __variant {
                        #(#read_arms)*
                        _ => #p::Ok(#p::None),
                    }
                }
            }

            #[automatically_derived]
            #quiet
            impl #de_impl #p::NestedRead<'de> for #ident #de_where {
                #[inline]
                fn read_nested<__D: #p::serde::Deserializer<'de>>(
                    __de: __D,
                    __cx: &mut #p::Cx,
                    __at: &#p::Path<'_>,
                ) -> #p::Result<#p::Option<Self>, __D::Error> {
                    #p::read_struct::<Self, __D>(__de, __cx, __at)
                }
            }

            #[automatically_derived]
            #quiet
            impl #p::NestedCheck for #ident #check_where {
                fn check_nested(&self, __cx: &mut #p::Cx, __at: &#p::Path<'_>) {
                    #check_prelude
                    match self {
                        #(#check_arms)*
                    }
                }
            }

            #common
            #schema_impl
        };
    }
}
