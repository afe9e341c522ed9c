//! Code generation for `#[secure_response]`: `SecureResponse` (the fields
//! that leave the server), `Serialize` and `Public` unless the type is owned,
//! the `Public` assertion of every sent field's type, and `From<&Model>`.

use proc_macro2::{Group, Ident, Spacing, TokenStream, TokenTree};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::check::Checked;
use super::model::{Body, Container, Field, Ownership};
use crate::generics::{GenericNames, bounded};
use crate::syntax::{private, quiet};

pub(crate) fn emit(checked: &Checked<'_>) -> TokenStream {
    let p = private();
    let c = checked.container;
    let ident = c.ident;
    let quiet = quiet(c.generics);
    let name = ident.to_string();
    let generics = GenericNames::of(c.generics);
    let mut assertions = Vec::new();
    let mut bounds = Vec::new();
    let mut schema_bounds = Vec::new();
    let (serialize_body, wire_names, schema_body) = match &c.body {
        Body::Struct(fields) => {
            let sent: Vec<&Field<'_>> = fields.iter().filter(|f| !f.skip).collect();
            let mut schema_fields = Vec::new();
            for f in &sent {
                let ty = f.ty;
                let (wire, cfgs) = (&f.wire, &f.cfgs);
                let required = f.skip_if.is_none();
                // The type's own schema; for a concrete type without one (a
                // `Public` type of the user's), any value, as for a request's
                // leaf: the feature never makes unrelated code fail.
                let field_schema = if generics.mentioned_in(ty) {
                    quote!(__g.subschema_for::<#ty>())
                } else {
                    crate::schema::leaf(ty)
                };
                schema_fields.push(quote!(#(#cfgs)* __s.field(#wire, #field_schema, #required, #p::None);));
                if generics.mentioned_in(ty) {
                    schema_bounds.push(quote!(#ty: #p::schemars::JsonSchema));
                    bounds.push(quote!(#ty: #p::Public));
                } else {
                    // In the user's code, spanned on the type: the one error for a type that is not `Public`.
                    let span = ty.span();
                    // A bound of a local function: its one obligation is
                    // `Public` itself (a path to a trait item would also
                    // require the supertrait `Serialize`: a second error,
                    // suggesting a derive).
                    assertions.push(quote_spanned! {span=>
                        {
                            fn sent_in_a_response<T: ?Sized + ::apishield::Public>() {}
                            sent_in_a_response::<#ty>();
                        }
                    });
                }
            }
            let schema_body = crate::schema::object(quote!(#(#schema_fields)*));
            (serialize_struct(&name, &sent), sent.iter().map(|f| f.wire.clone()).collect::<Vec<_>>(), schema_body)
        }
        Body::UnitEnum(variants) => {
            let arms = variants.iter().enumerate().map(|(i, (variant, wire, cfgs))| {
                // A `u32` literal: an enum with more variants is a compile error here.
                let index = proc_macro2::Literal::usize_unsuffixed(i);
                quote! {
                    #(#cfgs)* #ident::#variant => #p::serde::Serializer::serialize_unit_variant(__serializer, #name, #index, #wire),
                }
            });
            let body =
                if variants.is_empty() { quote!(match *__value {}) } else { quote!(match __value { #(#arms)* }) };
            let wires: Vec<String> = variants.iter().map(|(_, wire, _)| wire.clone()).collect();
            let schema_body = quote!(#p::unit_enum(&[#(#wires),*]));
            (body, wires, schema_body)
        }
    };
    let with_schema = crate::schema::policy_schema(c.ident, c.generics);
    // What leaves the server, as a schema (feature `schemars`).
    let schema_impl = crate::schema::json_schema_impl(c.ident, c.generics, &schema_bounds, &[], schema_body);
    let bounded_generics = bounded(c.generics, &bounds);
    let (impl_g, ty_g, where_g) = bounded_generics.split_for_impl();
    let owned_by = match checked.owner {
        Some(field) => {
            let field = field.to_string();
            quote!(#p::Some(#field))
        }
        None => quote!(#p::None),
    };
    // An owned type gets no `Serialize` and no `Public`: `#[owned_by]` gives
    // it a `Serialize` that can never be used, and `Authorized<T>` serializes
    // it through `SecureResponse::__serialize`, which takes an
    // `&Authorized<Self>` and so cannot be called without the check. Any
    // other type serializes itself, and `__serialize` forwards to that.
    let (public, secure_serialize) = if checked.owner.is_none() {
        let public = quote! {
            #[automatically_derived]
            #quiet
            impl #impl_g #p::serde::Serialize for #ident #ty_g #where_g {
                fn serialize<__S: #p::serde::Serializer>(&self, __serializer: __S) -> #p::Result<__S::Ok, __S::Error> {
                    let __value = self;
                    #serialize_body
                }
            }

            #[automatically_derived]
            #quiet
            impl #impl_g #p::Public for #ident #ty_g #where_g {}
        };
        let forward = quote!(#p::serde::Serialize::serialize(::core::ops::Deref::deref(__this), __serializer));
        (Some(public), forward)
    } else {
        let body = quote! {
            let __value: &Self = ::core::ops::Deref::deref(__this);
            #serialize_body
        };
        (None, body)
    };
    let from = c.args.from.as_ref().map(|model| from_model(c, model));
    let assertions = generics.assertion_fn(&assertions);
    let register = crate::syntax::register_type(quote!(#p::RegisteredType::__response(
        ::core::module_path!(),
        __APISHIELD_POLICY
    )));
    quote! {
        const _: () = {
            #assertions

            // One policy for every instantiation: the fields as written.
            const __APISHIELD_POLICY: &#p::ResponsePolicy = &::apishield::__if_schemars!({
                #p::ResponsePolicy::__new(#name, &[#(#wire_names),*], #owned_by) #with_schema
            } else {
                #p::ResponsePolicy::__new(#name, &[#(#wire_names),*], #owned_by)
            });

            #register

            #[automatically_derived]
            #quiet
            impl #impl_g #p::SecureResponse for #ident #ty_g #where_g {
                const POLICY: &'static #p::ResponsePolicy = __APISHIELD_POLICY;

                fn __serialize<__S: #p::serde::Serializer>(
                    __this: &#p::Authorized<Self>,
                    __serializer: __S,
                ) -> #p::Result<__S::Ok, __S::Error> {
                    #secure_serialize
                }
            }

            #public
            #from
            #schema_impl
        };
    }
}

fn serialize_struct(name: &str, sent: &[&Field<'_>]) -> TokenStream {
    let p = private();
    let fixed = sent.iter().filter(|f| f.skip_if.is_none()).count();
    let conditional = sent.iter().filter_map(|f| {
        let ident = f.ident;
        let cfgs = &f.cfgs;
        f.skip_if.as_ref().map(|path| quote!(#(#cfgs)* if !#path(&__value.#ident) { __len += 1; }))
    });
    let fields = sent.iter().map(|f| {
        let ident = f.ident;
        let wire = &f.wire;
        let cfgs = &f.cfgs;
        let send = quote!((&&#p::FieldProbe(&__value.#ident)).send(&mut __state, #wire)?;);
        match &f.skip_if {
            None => quote!(#(#cfgs)* #send),
            Some(path) => quote! {
                #(#cfgs)*
                if #path(&__value.#ident) {
                    #p::serde::ser::SerializeStruct::skip_field(&mut __state, #wire)?;
                } else {
                    #send
                }
            },
        }
    });
    quote! {
        #[allow(unused_imports)]
        use #p::{SendPublic as _, SendRefused as _};
        #[allow(unused_mut)]
        let mut __len: usize = #fixed;
        #(#conditional)*
        let mut __state = #p::serde::Serializer::serialize_struct(__serializer, #name, __len)?;
        #(#fields)*
        #p::serde::ser::SerializeStruct::end(__state)
    }
}

/// `From<&Model>` and `From<&Authorized<Model>>`: every field from the model
/// field of the same name, either converted (a nested response from its
/// model) or cloned (the same type). A model without the field, or with an
/// incompatible type, is a compile error on the response field.
///
/// The macro cannot see whether `Model` has an owner (`#[owned_by]`), so the
/// conversion from `&Model` carries a bound that holds only when it has none
/// (see `apishield::response::project`); the one from `&Authorized<Model>`
/// always works. The projection itself is a function private to the
/// generated block, so no path reaches it without one of the two.
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
    // Constants cannot name lifetime parameters; ownership does not depend on them.
    let gate_model = static_lifetimes(quote!(#model));
    let mut gated = c.generics.clone();
    gated.make_where_clause().predicates.push(syn::parse_quote! {
        for<'__apishield> #p::HasOwner<{ <#p::OwnerGate<#gate_model>>::HAS_OWNER }>:
            #p::ProjectWithoutOwnershipCheck<#model, #ident #ty_g>
    });
    let (_, _, gated_where) = gated.split_for_impl();
    quote! {
        #[allow(unused_imports)]
        use #p::NoOwner as _;

        /// The last choice of a field's projection: no conversion, no copy.
        /// Defined here, so that its error points at this type, not into
        /// apishield.
        trait FillFromModelField<M: ?Sized, T> {
            fn project(self) -> T
            where
                T: #p::FillableFrom<M>;
        }

        impl<M: ?Sized, T> FillFromModelField<M, T> for #p::Probe<'_, M, T> {
            fn project(self) -> T
            where
                T: #p::FillableFrom<M>,
            {
                ::core::unreachable!()
            }
        }

        #[inline]
        fn __apishield_project #impl_g (__model: &#model) -> #ident #ty_g #where_g {
            #[allow(unused_imports)]
            use #p::{ViaClone as _, ViaModel as _};
            #ident { #(#inits),* }
        }

        #[automatically_derived]
        impl #impl_g ::core::convert::From<&#model> for #ident #ty_g #gated_where {
            #[inline]
            fn from(__model: &#model) -> Self {
                __apishield_project(__model)
            }
        }

        #[automatically_derived]
        impl #impl_g ::core::convert::From<&#p::Authorized<#model>> for #ident #ty_g #where_g {
            #[inline]
            fn from(__model: &#p::Authorized<#model>) -> Self {
                __apishield_project(::core::ops::Deref::deref(__model))
            }
        }

        #[automatically_derived]
        impl #impl_g #p::FromModel<#model> for #ident #ty_g #gated_where {
            #[inline]
            fn from_model(__model: &#model) -> Self {
                __apishield_project(__model)
            }
        }

        #[automatically_derived]
        impl #impl_g #p::FromModel<#p::Authorized<#model>> for #ident #ty_g #where_g {
            #[inline]
            fn from_model(__model: &#p::Authorized<#model>) -> Self {
                __apishield_project(::core::ops::Deref::deref(__model))
            }
        }
    }
}

/// Output for an item that failed to check: the impls that keep its users
/// compiling (a `Serialize` that is never reached, a `Public`,
/// `SecureResponse`), so the only errors the user sees are the real ones and
/// none of them suggests deriving `Serialize`. An owned type gets neither
/// `Serialize` nor `Public` (`#[owned_by]` gives it the poisoned ones).
pub(crate) fn fallback_impls(ident: &Ident, generics: &syn::Generics, ownership: &Ownership) -> TokenStream {
    let p = private();
    let (impl_g, ty_g, where_g) = generics.split_for_impl();
    let schema = crate::schema::fallback_schema_impl(ident, generics);
    let public = matches!(ownership, Ownership::None).then(|| {
        quote! {
            #[automatically_derived]
            impl #impl_g #p::serde::Serialize for #ident #ty_g #where_g {
                fn serialize<__S: #p::serde::Serializer>(&self, _: __S) -> #p::Result<__S::Ok, __S::Error> {
                    ::core::unreachable!()
                }
            }

            #[automatically_derived]
            impl #impl_g #p::Public for #ident #ty_g #where_g {}
        }
    });
    quote! {
        const _: () = {
            #[automatically_derived]
            impl #impl_g #p::SecureResponse for #ident #ty_g #where_g {
                const POLICY: &'static #p::ResponsePolicy = &#p::ResponsePolicy::__new("", &[], #p::None);

                fn __serialize<__S: #p::serde::Serializer>(
                    _: &#p::Authorized<Self>,
                    _: __S,
                ) -> #p::Result<__S::Ok, __S::Error> {
                    ::core::unreachable!()
                }
            }

            #public
            #schema
        };
    }
}

/// The tokens with every lifetime (`'a`, `'_`) replaced by `'static`.
fn static_lifetimes(tokens: TokenStream) -> TokenStream {
    let mut out = Vec::new();
    let mut after_quote = false;
    for tt in tokens {
        let tt = match tt {
            TokenTree::Group(g) => {
                let mut group = Group::new(g.delimiter(), static_lifetimes(g.stream()));
                group.set_span(g.span());
                TokenTree::Group(group)
            }
            TokenTree::Ident(i) if after_quote => TokenTree::Ident(Ident::new("static", i.span())),
            other => other,
        };
        after_quote = matches!(&tt, TokenTree::Punct(p) if p.as_char() == '\'' && p.spacing() == Spacing::Joint);
        out.push(tt);
    }
    out.into_iter().collect()
}
