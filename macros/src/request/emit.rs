//! Code generation for a checked model. Everything goes into one
//! `const _: () = { ... };` block: the rule statics, the field lookup and the
//! impls (`Deserialize`, `SecureRequest`, `validator::Validate` and the
//! private reading traits). Paths are absolute (`::apishield::__private`), and
//! every impl is `#[automatically_derived]`.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{GenericParam, Generics, Ident, Type};

use super::attr::{Num, Rules, Value, ValueLit};
use super::check::int_range;
use super::model::{Body, Container, Field, Variant};
use super::shape::Shape;
use crate::ctxt::Ctxt;
pub(crate) use crate::generics::{GenericNames, bounded};
use crate::policy::Policy;

pub(crate) fn private() -> TokenStream {
    quote!(::apishield::__private)
}

/// Statics, assertions and bounds shared by the impls of one item.
#[derive(Default)]
pub(crate) struct Items {
    pub(crate) statics: Vec<TokenStream>,
    /// Statements asserting that a nested field type validates itself, each
    /// spanned on the type, so a type that does not is one error, there.
    pub(crate) assertions: Vec<TokenStream>,
    /// Where-clause predicates on nested field types, for the impls that read
    /// (`read_bounds`) and that check (`check_bounds`).
    pub(crate) read_bounds: Vec<TokenStream>,
    pub(crate) check_bounds: Vec<TokenStream>,
    next_pattern: usize,
    next_rules: usize,
    next_lookup: usize,
}

fn neg_aware_int(v: i128) -> TokenStream {
    if v == i128::MIN {
        quote!(::core::primitive::i128::MIN)
    } else if v < 0 {
        let abs = Literal::i128_unsuffixed(-v);
        quote!(-#abs)
    } else {
        let lit = Literal::i128_unsuffixed(v);
        quote!(#lit)
    }
}

fn float_lit(v: f64) -> TokenStream {
    if v < 0.0 {
        let abs = Literal::f64_unsuffixed(-v);
        quote!(-#abs)
    } else {
        let lit = Literal::f64_unsuffixed(v);
        quote!(#lit)
    }
}

fn usize_lit(v: u64) -> Literal {
    Literal::u64_unsuffixed(v)
}

impl Items {
    fn pattern(&mut self, source: &str) -> Ident {
        let p = private();
        let ident = format_ident!("__APISHIELD_PATTERN_{}", self.next_pattern);
        self.next_pattern += 1;
        self.statics.push(quote! {
            static #ident: #p::Pattern = #p::Pattern::new(#source);
        });
        ident
    }

    /// Requires a nested field type to validate itself.
    ///
    /// A concrete type is asserted by a statement spanned on the type, so the
    /// first error points at the field's type. (Where-clause predicates would
    /// hide the follow-up errors on the attribute, but they turn mutually
    /// recursive request types into trait-solver overflows.) A type that
    /// mentions a type parameter becomes a where-clause predicate: the
    /// caller's requirement.
    pub(crate) fn require_nested(&mut self, ty: &Type, in_key: bool, generics: &GenericNames) {
        let p = private();
        if generics.mentioned_in(ty) {
            self.read_bounds.push(quote!(#ty: #p::NestedRead<'de>));
            self.check_bounds.push(quote!(#ty: #p::NestedCheck));
            if in_key {
                self.check_bounds.push(quote!(#ty: #p::MapKey));
            }
        } else {
            let span = ty.span();
            self.assertions.push(quote_spanned!(span=> #p::assert_nested::<#ty>();));
            if in_key {
                self.assertions.push(quote_spanned!(span=> #p::assert_map_key::<#ty>();));
            }
        }
    }

    /// A static holding a field's rules; returns its name and the rules' type.
    pub(crate) fn rules_static(&mut self, shape: &Shape<'_>, rules: &Rules, generics: &GenericNames) -> Ident {
        let (ty, value) = self.rules(shape, rules, false, generics);
        let ident = format_ident!("__APISHIELD_RULES_{}", self.next_rules);
        self.next_rules += 1;
        self.statics.push(quote! {
            static #ident: #ty = #value;
        });
        ident
    }

    /// The type and value of the rules of a value of `shape`.
    fn rules(
        &mut self,
        shape: &Shape<'_>,
        rules: &Rules,
        in_key: bool,
        generics: &GenericNames,
    ) -> (TokenStream, TokenStream) {
        let p = private();
        let empty = Rules::default();
        let each = rules.each.as_ref().map_or(&empty, |(_, r)| r);
        let keys = rules.keys.as_ref().map_or(&empty, |(_, r)| r);
        match shape {
            Shape::Str => {
                let min = rules.len.as_ref().and_then(|b| b.min).map_or(0, |n| match n.value {
                    Num::Int(i) => u64::try_from(i).unwrap_or(0),
                    Num::Float(_) => 0,
                });
                let max = rules.len.as_ref().and_then(|b| {
                    b.max.map(|n| match n.value {
                        Num::Int(i) => {
                            let m = u64::try_from(i).unwrap_or(0);
                            if b.max_exclusive { m.saturating_sub(1) } else { m }
                        }
                        Num::Float(_) => 0,
                    })
                });
                let max =
                    max.or(rules.email.map(|_| apishield_internals::limits::MAX_EMAIL_LEN as u64)).unwrap_or(u64::MAX);
                let (min, max) = (
                    usize_lit(min),
                    if max == u64::MAX {
                        quote!(usize::MAX)
                    } else {
                        let l = usize_lit(max);
                        quote!(#l)
                    },
                );
                let trim = rules.trim.is_some();
                let email = rules.email.is_some();
                let pattern = match &rules.pattern {
                    Some((_, lit)) => {
                        let ident = self.pattern(&lit.value());
                        quote!(#p::Some(&#ident))
                    }
                    None => quote!(#p::None),
                };
                let one_of: Vec<String> = strings(rules.one_of.as_ref().map(|(_, v)| v.as_slice()).unwrap_or(&[]));
                let fallback = match &rules.fallback {
                    Some((_, ValueLit { value: Value::Str(s), .. })) => quote!(#p::Some(#s)),
                    _ => quote!(#p::None),
                };
                (
                    quote!(#p::StrRules),
                    quote!(#p::StrRules { min: #min, max: #max, trim: #trim, email: #email, pattern: #pattern, one_of: &[#(#one_of),*], fallback: #fallback }),
                )
            }
            Shape::Int(ty) => {
                let (min, max) =
                    rules.range.as_ref().and_then(|b| int_range(&Ctxt::new(), b, &ty.to_string())).unwrap_or((0, 0));
                let (min, max) = (neg_aware_int(min), neg_aware_int(max));
                let one_of: Vec<TokenStream> = rules
                    .one_of
                    .as_ref()
                    .map(|(_, vs)| {
                        vs.iter()
                            .filter_map(|v| match v.value {
                                Value::Num(Num::Int(i)) => Some(neg_aware_int(i)),
                                _ => None,
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                (
                    quote!(#p::IntRules<#ty>),
                    quote!(#p::IntRules::<#ty> { min: #min, max: #max, one_of: &[#(#one_of),*] }),
                )
            }
            Shape::Float(ty) => {
                let b = rules.range.as_ref();
                let min = float_lit(b.and_then(|b| b.min).map_or(0.0, |n| n.value.as_f64()));
                let max = float_lit(b.and_then(|b| b.max).map_or(0.0, |n| n.value.as_f64()));
                let exclusive = b.is_some_and(|b| b.max_exclusive);
                (
                    quote!(#p::FloatRules<#ty>),
                    quote!(#p::FloatRules::<#ty> { min: #min, max: #max, max_exclusive: #exclusive }),
                )
            }
            Shape::Plain(_) => (quote!(#p::PlainRules), quote!(#p::PlainRules)),
            Shape::Option(inner) => {
                let (t, v) = self.rules(inner, rules, in_key, generics);
                (quote!(#p::OptionRules<#t>), quote!(#p::OptionRules(#v)))
            }
            Shape::Box(inner) => {
                let (t, v) = self.rules(inner, rules, in_key, generics);
                (quote!(#p::BoxRules<#t>), quote!(#p::BoxRules(#v)))
            }
            Shape::Secret(inner) => {
                let (t, v) = self.rules(inner, rules, in_key, generics);
                (quote!(#p::SecretRules<#t>), quote!(#p::SecretRules(#v)))
            }
            Shape::Seq(item) => {
                let (t, v) = self.rules(item, each, false, generics);
                let n = max_items(rules);
                (quote!(#p::SeqRules<#t>), quote!(#p::SeqRules { max_items: #n, each: #v }))
            }
            Shape::Map(key, value) => {
                let (kt, kv) = self.rules(key, keys, true, generics);
                let (vt, vv) = self.rules(value, each, false, generics);
                let n = max_items(rules);
                (quote!(#p::MapRules<#kt, #vt>), quote!(#p::MapRules { max_items: #n, keys: #kv, each: #vv }))
            }
            Shape::Nested(ty) | Shape::Unsupported(ty, _) => {
                self.require_nested(ty, in_key, generics);
                (quote!(#p::NestedRules), quote!(#p::NestedRules))
            }
        }
    }
}

fn max_items(rules: &Rules) -> Literal {
    let n = rules.max_items.as_ref().map_or(0, |(_, n)| match n.value {
        Num::Int(i) => u64::try_from(i).unwrap_or(0),
        Num::Float(_) => 0,
    });
    usize_lit(n)
}

fn strings(values: &[ValueLit]) -> Vec<String> {
    values
        .iter()
        .filter_map(|v| match &v.value {
            Value::Str(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// The impl generics with `'de` added (outliving every lifetime of the type).
pub(crate) fn with_de(generics: &Generics) -> Generics {
    let mut g = generics.clone();
    let lifetimes: Vec<syn::Lifetime> = g.lifetimes().map(|l| l.lifetime.clone()).collect();
    let de: syn::LifetimeParam = syn::parse_quote!('de: #(#lifetimes)+*);
    g.params.insert(0, GenericParam::Lifetime(de));
    g
}

/// The code that reads a field's default when it is absent, if it has one.
fn default_fn(f: &Field<'_>, policy: &Policy) -> TokenStream {
    let p = private();
    let value = match (&f.rules.default, &f.rules.fallback) {
        (Some((_, Some(v))), _) | (None, Some((_, v))) => literal(&v.value),
        (Some((_, None)), _) if f.page_size => {
            let n = usize_lit(policy.default_page_size);
            quote!(#n)
        }
        (Some((_, None)), _) => quote!(::core::default::Default::default()),
        (None, None) => return quote!(#p::None),
    };
    quote!(#p::Some(|| #value))
}

fn literal(v: &Value) -> TokenStream {
    match v {
        Value::Str(s) => quote!(::core::convert::From::from(#s)),
        Value::Num(Num::Int(i)) => neg_aware_int(*i),
        Value::Num(Num::Float(x)) => float_lit(*x),
        Value::Bool(b) => quote!(#b),
        Value::Char(c) => quote!(#c),
    }
}

/// The reading and checking code of a list of named fields.
pub(crate) struct FieldsCode {
    /// The body of `visit_fields`, ending in `Ok(Some(#construct { .. }))`.
    pub(crate) visit: TokenStream,
    /// Statements checking `self`'s fields (through `#access.field`).
    pub(crate) check: TokenStream,
    /// The policy entries of the fields.
    pub(crate) policy: Vec<TokenStream>,
}

/// `construct`: the path to build (`Self`, `Self::Variant`); `bind`: how a
/// checked field is reached (`self.` for structs, a binding for variants).
pub(crate) fn fields_code(
    items: &mut Items,
    fields: &[Field<'_>],
    construct: TokenStream,
    bind: &dyn Fn(&Ident) -> TokenStream,
    generics: &GenericNames,
    policy: &Policy,
) -> FieldsCode {
    let p = private();
    let lookup = format_ident!("__apishield_lookup_{}", items.next_lookup);
    items.next_lookup += 1;
    let mut decls = Vec::new();
    let mut arms = Vec::new();
    let mut lookup_arms = Vec::new();
    let mut finish = Vec::new();
    let mut unwrap = Vec::new();
    let mut inits = Vec::new();
    let mut check = Vec::new();
    let mut policy_entries = Vec::new();
    for (index, f) in fields.iter().enumerate() {
        let cfgs = &f.cfgs;
        let ident = f.ident;
        let ty = f.ty;
        if f.skip {
            inits.push(quote!(#(#cfgs)* #ident: ::core::default::Default::default()));
            continue;
        }
        let rules = items.rules_static(&f.shape, &f.rules, generics);
        let slot = format_ident!("__slot{}", index);
        let value = format_ident!("__value{}", index);
        let wire = &f.wire;
        let aliases = &f.aliases;
        let index = u16::try_from(index).unwrap_or(u16::MAX);
        lookup_arms.push(quote!(#(#cfgs)* #wire #(| #aliases)* => #p::Some(#index)));
        decls.push(quote!(#(#cfgs)* let mut #slot: #p::Slot<#ty> = #p::Slot::Absent;));
        arms.push(quote! {
            #(#cfgs)* #p::Key::Field(#index) => #p::read_field(&mut __map, &mut #slot, &#rules, __cx, &__at.field(#wire))?,
        });
        let default = default_fn(f, policy);
        finish.push(quote! {
            #(#cfgs)* let #value = #p::finish_field(#slot, &#rules, #default, __cx, &__at.field(#wire));
        });
        unwrap.push(quote! {
            #(#cfgs)* let #p::Some(#value) = #value else { return #p::Ok(#p::None) };
        });
        inits.push(quote!(#(#cfgs)* #ident: #value));
        let access = bind(ident);
        check.push(quote! {
            #(#cfgs)* #p::Check::check(&#rules, #access, __cx, &__at.field(#wire));
        });
        let text = f.rules.to_string();
        let settable = f.rules.client_settable.is_some();
        let large = f.rules.allow_large.is_some();
        policy_entries.push(quote!(#p::FieldPolicy::__new(#wire, #text, #settable, #large)));
    }
    items.statics.push(quote! {
        fn #lookup(__key: &str) -> #p::Option<u16> {
            match __key {
                #(#lookup_arms,)*
                _ => #p::None,
            }
        }
    });
    let visit = quote! {
        #(#decls)*
        while let #p::Some(__key) = #p::next_key(&mut __map, #lookup)? {
            match __key {
                #(#arms)*
                __other => #p::skip_key(&mut __map, __other, __cx, __at)?,
            }
        }
        #(#finish)*
        #(#unwrap)*
        #p::Ok(#p::Some(#construct { #(#inits),* }))
    };
    FieldsCode { visit, check: quote!(#(#check)*), policy: policy_entries }
}

pub(crate) fn emit(c: &Container<'_>, policy: &Policy) -> TokenStream {
    match &c.body {
        Body::Struct(fields) => emit_struct(c, fields, policy),
        Body::UnitEnum(variants) => emit_unit_enum(c, variants, policy),
        Body::Tagged { tag, content, variants } => {
            super::emit_enum::emit_tagged(c, tag, content.as_deref(), variants, policy)
        }
    }
}

/// The impls every request type gets once it can be read and checked:
/// `Deserialize`, `SecureRequest` and (feature `validator`) `validator::Validate`.
pub(crate) fn common_impls(
    c: &Container<'_>,
    policy: &Policy,
    field_policies: &[TokenStream],
    read_bounds: &[TokenStream],
    check_bounds: &[TokenStream],
) -> TokenStream {
    let p = private();
    let ident = c.ident;
    let name = ident.to_string();
    let mut both = read_bounds.to_vec();
    both.extend(check_bounds.iter().cloned());
    let de_generics = bounded(&with_de(c.generics), &both);
    let (de_impl, _, de_where) = de_generics.split_for_impl();
    let check_generics = bounded(c.generics, check_bounds);
    let (impl_g, ty_g, where_g) = check_generics.split_for_impl();
    let (kind, mode) = if c.query { (quote!(Query), quote!(Query)) } else { (quote!(Body), quote!(Json)) };
    let max_query = usize_lit(policy.max_query_len);
    quote! {
        #[automatically_derived]
        impl #de_impl #p::serde::Deserialize<'de> for #ident #ty_g #de_where {
            fn deserialize<__D: #p::serde::Deserializer<'de>>(__de: __D) -> #p::Result<Self, __D::Error> {
                #p::deserialize::<Self, __D>(__de, #p::Mode::#mode)
            }
        }

        #[automatically_derived]
        impl #impl_g #p::SecureRequest for #ident #ty_g #where_g {
            const POLICY: &'static #p::RequestPolicy = &#p::RequestPolicy::__new(
                #name,
                #p::RequestKind::#kind,
                #max_query,
                &[#(#field_policies),*],
            );
        }

        // With apishield's `validator` feature only; the macro cannot see it.
        ::apishield::__if_validator! {{
            #[automatically_derived]
            impl #impl_g #p::validator::Validate for #ident #ty_g #where_g {
                fn validate(&self) -> #p::Result<(), #p::validator::ValidationErrors> {
                    #p::SecureRequest::validate_request(self).map_err(::apishield::RequestError::into_validation_errors)
                }
            }
        }}
    }
}

fn emit_struct(c: &Container<'_>, fields: &[Field<'_>], policy: &Policy) -> TokenStream {
    let p = private();
    let ident = c.ident;
    let generics = GenericNames::of(c.generics);
    let mut items = Items::default();
    let code = fields_code(&mut items, fields, quote!(Self), &|f| quote!(&self.#f), &generics, policy);
    let FieldsCode { visit, check, policy: field_policies } = code;
    let Items { statics, assertions, read_bounds, check_bounds, .. } = items;
    let assertions = generics.assertion_fn(&assertions);
    let mut both = read_bounds.clone();
    both.extend(check_bounds.iter().cloned());
    let de_generics = bounded(&with_de(c.generics), &both);
    let (de_impl, _, de_where) = de_generics.split_for_impl();
    let check_generics = bounded(c.generics, &check_bounds);
    let (impl_g, ty_g, where_g) = check_generics.split_for_impl();
    let common = common_impls(c, policy, &field_policies, &read_bounds, &check_bounds);
    quote! {
        const _: () = {
            #(#statics)*
            #assertions

            #[automatically_derived]
            impl #de_impl #p::StructFields<'de> for #ident #ty_g #de_where {
                type Output = Self;

                fn visit_fields<__A: #p::serde::de::MapAccess<'de>>(
                    mut __map: __A,
                    __cx: &mut #p::Cx,
                    __at: &#p::Path<'_>,
                ) -> #p::Result<#p::Option<Self>, __A::Error> {
                    #visit
                }
            }

            #[automatically_derived]
            impl #de_impl #p::NestedRead<'de> for #ident #ty_g #de_where {
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
            impl #impl_g #p::NestedCheck for #ident #ty_g #where_g {
                fn check_nested(&self, __cx: &mut #p::Cx, __at: &#p::Path<'_>) {
                    #check
                }
            }

            #common
        };
    }
}

fn emit_unit_enum(c: &Container<'_>, variants: &[Variant<'_>], policy: &Policy) -> TokenStream {
    let p = private();
    let ident = c.ident;
    let mut lookup = Vec::new();
    let mut names = Vec::new();
    let mut key_text = Vec::new();
    for v in variants {
        let cfgs = &v.cfgs;
        let variant = v.ident;
        let wire = &v.wire;
        let aliases = &v.aliases;
        lookup.push(quote!(#(#cfgs)* #wire #(| #aliases)* => #p::Some(#ident::#variant)));
        names.push(wire.clone());
        key_text.push(quote!(#(#cfgs)* #ident::#variant => #wire));
    }
    let common = common_impls(c, policy, &[], &[], &[]);
    let key_text = if key_text.is_empty() {
        quote!(match *self {})
    } else {
        quote!(::std::borrow::Cow::Borrowed(match self { #(#key_text),* }))
    };
    quote! {
        const _: () = {
            fn __apishield_lookup(__key: &str) -> #p::Option<#ident> {
                match __key {
                    #(#lookup,)*
                    _ => #p::None,
                }
            }

            #[automatically_derived]
            impl<'de> #p::NestedRead<'de> for #ident {
                fn read_nested<__D: #p::serde::Deserializer<'de>>(
                    __de: __D,
                    __cx: &mut #p::Cx,
                    __at: &#p::Path<'_>,
                ) -> #p::Result<#p::Option<Self>, __D::Error> {
                    #p::read_unit_enum(__de, __cx, __at, __apishield_lookup, &[#(#names),*])
                }
            }

            #[automatically_derived]
            impl #p::NestedCheck for #ident {
                #[inline]
                fn check_nested(&self, _: &mut #p::Cx, _: &#p::Path<'_>) {}
            }

            #[automatically_derived]
            impl #p::MapKey for #ident {
                fn key_text(&self) -> ::std::borrow::Cow<'_, str> {
                    #key_text
                }
            }

            #common
        };
    }
}

/// Output for an item that failed to check: the item itself (so the IDE keeps
/// its type) and impls that keep its users compiling, so the only errors the
/// user sees are the real ones.
pub(crate) fn fallback_impls(ident: &Ident, generics: &Generics, derives_deserialize: bool) -> TokenStream {
    let p = private();
    let de_generics = with_de(generics);
    let (de_impl, _, de_where) = de_generics.split_for_impl();
    let (impl_g, ty_g, where_g) = generics.split_for_impl();
    let deserialize = (!derives_deserialize).then(|| {
        quote! {
            #[automatically_derived]
            impl #de_impl #p::serde::Deserialize<'de> for #ident #ty_g #de_where {
                fn deserialize<__D: #p::serde::Deserializer<'de>>(_: __D) -> #p::Result<Self, __D::Error> {
                    ::core::unreachable!()
                }
            }
        }
    });
    quote! {
        const _: () = {
            #deserialize
            #[automatically_derived]
            impl #de_impl #p::NestedRead<'de> for #ident #ty_g #de_where {
                fn read_nested<__D: #p::serde::Deserializer<'de>>(_: __D, _: &mut #p::Cx, _: &#p::Path<'_>) -> #p::Result<#p::Option<Self>, __D::Error> {
                    ::core::unreachable!()
                }
            }
            #[automatically_derived]
            impl #impl_g #p::NestedCheck for #ident #ty_g #where_g {
                fn check_nested(&self, _: &mut #p::Cx, _: &#p::Path<'_>) {}
            }
            #[automatically_derived]
            impl #impl_g #p::SecureRequest for #ident #ty_g #where_g {
                const POLICY: &'static #p::RequestPolicy = &#p::RequestPolicy::__new("", #p::RequestKind::Body, 0, &[]);
            }
        };
    }
}
