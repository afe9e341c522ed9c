//! Code generation, from a checked model only. Everything goes into one
//! `const _: () = { ... };` block: the rule statics, the field lookup and the
//! impls (`Deserialize`, `SecureRequest`, `validator::Validate` and the
//! private reading traits). Paths are absolute (`::apishield::__private`), and
//! every impl is `#[automatically_derived]`.
//!
//! A field type that must validate itself is asserted once, by a statement
//! spanned on the type in the user's own code; the code that reads and checks
//! it goes through a local "leaf" type whose impls always compile, so a type
//! that is not `#[secure_request]` is one error, on the field, and not three.

use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{GenericParam, Generics, Ident, Type};

use super::attr::{Num, Value};
use super::check::{Checked, CheckedBody, CheckedField, FieldDefault, Lowered};
use super::model::Variant;
pub(crate) use crate::generics::{GenericNames, bounded};
pub(crate) use crate::syntax::{private, quiet};

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
    /// Local types reading and checking one concrete nested type each.
    pub(crate) leaves: Vec<TokenStream>,
    /// With the `schemars` feature: the leaves' schemas, and the
    /// where-clause predicates of the `JsonSchema` impl (nested field types
    /// that mention a type parameter).
    pub(crate) schema_leaves: Vec<TokenStream>,
    pub(crate) schema_bounds: Vec<TokenStream>,
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

    /// The rules of a nested type: `NestedRules` for a type that mentions
    /// a type parameter (a where-clause predicate then makes it the caller's
    /// requirement), or a local leaf type for a concrete one.
    ///
    /// A concrete type is asserted by a statement spanned on the type, so
    /// the one error points at the field's type. (Where-clause predicates
    /// would do the same, but they turn mutually recursive request types
    /// into trait-solver overflows.) The leaf's `Read` and `Check` impls
    /// always compile: they pick the type's own impls by method resolution,
    /// or, only for a type the assertion has already reported, one that
    /// rejects every value.
    pub(crate) fn nested(
        &mut self,
        ty: &Type,
        in_key: bool,
        generics: &GenericNames,
        lifetimes: &Lifetimes,
    ) -> TokenStream {
        let p = private();
        if generics.mentioned_in(ty) {
            self.read_bounds.push(quote!(#ty: #p::NestedRead<'de>));
            self.check_bounds.push(quote!(#ty: #p::NestedCheck));
            if in_key {
                self.check_bounds.push(quote!(#ty: #p::MapKey));
            }
            self.schema_bounds.push(quote!(#ty: #p::schemars::JsonSchema));
            return quote!(#p::NestedRules);
        }
        let span = ty.span();
        // A bound of a local function: its one obligation is the trait
        // itself (a path to a trait item would also require its supertraits,
        // a second error for the same type).
        self.assertions.push(quote_spanned! {span=>
            {
                fn validates_itself<'de, T: ::apishield::__private::NestedRead<'de>>() {}
                validates_itself::<#ty>();
            }
        });
        if in_key {
            self.assertions.push(quote_spanned!(span=> let _ = <#ty as #p::MapKey>::key_text;));
        }
        let leaf = format_ident!("__ApishieldNested{}", self.leaves.len());
        // The item's lifetimes (the type may borrow), and `'de` outliving
        // them, as in the item's own `NestedRead` impl.
        let (params, names) = (&lifetimes.params, &lifetimes.names);
        self.leaves.push(quote! {
            struct #leaf;

            #[automatically_derived]
            impl<#(#params),*> #p::Check<#ty> for #leaf {
                #[inline]
                fn check(&self, __value: &#ty, __cx: &mut #p::Cx, __at: &#p::Path<'_>) {
                    #[allow(unused_imports)]
                    use #p::{LeafChecks as _, LeafUnchecked as _};
                    (&&#p::Leaf::<#ty>::new()).check_leaf(__value, __cx, __at)
                }
            }

            #[automatically_derived]
            impl<'de: #(#names)+*, #(#params),*> #p::Read<'de, #ty> for #leaf {
                #[inline]
                fn read<__D: #p::serde::Deserializer<'de>>(
                    &self,
                    __de: __D,
                    __cx: &mut #p::Cx,
                    __at: &#p::Path<'_>,
                ) -> #p::Result<#p::Option<#ty>, __D::Error> {
                    #[allow(unused_imports)]
                    use #p::{LeafReads as _, LeafUnread as _};
                    (&&#p::Leaf::<#ty>::new()).read_leaf(__de, __cx, __at)
                }
            }
        });
        let leaf_schema = crate::schema::leaf(ty);
        self.schema_leaves.push(quote! {
            #[automatically_derived]
            impl<#(#params),*> #p::RuleSchema<#ty> for #leaf {
                fn schema(&self, __g: &mut #p::schemars::SchemaGenerator) -> #p::schemars::Schema {
                    #leaf_schema
                }
            }
        });
        quote!(#leaf)
    }

    /// A static holding a field's rules; returns its name.
    pub(crate) fn rules_static(&mut self, rules: &Lowered<'_>, cx: &EmitCx<'_>) -> Ident {
        let (ty, value) = self.rules(rules, false, cx);
        let ident = format_ident!("__APISHIELD_RULES_{}", self.next_rules);
        self.next_rules += 1;
        self.statics.push(quote! {
            static #ident: #ty = #value;
        });
        ident
    }

    /// The type and value of lowered rules.
    fn rules(&mut self, rules: &Lowered<'_>, in_key: bool, cx: &EmitCx<'_>) -> (TokenStream, TokenStream) {
        let p = private();
        match rules {
            Lowered::Str { min, max, trim, email, pattern, one_of, fallback } => {
                let min = usize_lit(*min);
                let max = match max {
                    Some(m) => {
                        let l = usize_lit(*m);
                        quote!(#l)
                    }
                    None => quote!(usize::MAX),
                };
                let pattern = match pattern {
                    Some(source) => {
                        let ident = self.pattern(source);
                        quote!(#p::Some(&#ident))
                    }
                    None => quote!(#p::None),
                };
                let fallback = match fallback {
                    Some(s) => quote!(#p::Some(#s)),
                    None => quote!(#p::None),
                };
                (
                    quote!(#p::StrRules),
                    quote!(#p::StrRules { min: #min, max: #max, trim: #trim, email: #email, pattern: #pattern, one_of: &[#(#one_of),*], fallback: #fallback }),
                )
            }
            Lowered::Int { ty, min, max, one_of } => {
                let (min, max) = (neg_aware_int(*min), neg_aware_int(*max));
                let one_of = one_of.iter().map(|i| neg_aware_int(*i));
                (
                    quote!(#p::IntRules<#ty>),
                    quote!(#p::IntRules::<#ty> { min: #min, max: #max, one_of: &[#(#one_of),*] }),
                )
            }
            Lowered::Float { ty, min, max, max_exclusive } => {
                let (min, max) = (float_lit(*min), float_lit(*max));
                (
                    quote!(#p::FloatRules<#ty>),
                    quote!(#p::FloatRules::<#ty> { min: #min, max: #max, max_exclusive: #max_exclusive }),
                )
            }
            Lowered::Plain => (quote!(#p::PlainRules), quote!(#p::PlainRules)),
            Lowered::Option(inner) => {
                let (t, v) = self.rules(inner, in_key, cx);
                (quote!(#p::OptionRules<#t>), quote!(#p::OptionRules(#v)))
            }
            Lowered::Box(inner) => {
                let (t, v) = self.rules(inner, in_key, cx);
                (quote!(#p::BoxRules<#t>), quote!(#p::BoxRules(#v)))
            }
            Lowered::Secret(inner) => {
                let (t, v) = self.rules(inner, in_key, cx);
                (quote!(#p::SecretRules<#t>), quote!(#p::SecretRules(#v)))
            }
            Lowered::Seq { max_items, each } => {
                let (t, v) = self.rules(each, false, cx);
                let n = usize_lit(*max_items);
                (quote!(#p::SeqRules<#t>), quote!(#p::SeqRules { max_items: #n, each: #v }))
            }
            Lowered::Map { max_items, keys, each } => {
                let (kt, kv) = self.rules(keys, true, cx);
                let (vt, vv) = self.rules(each, false, cx);
                let n = usize_lit(*max_items);
                (quote!(#p::MapRules<#kt, #vt>), quote!(#p::MapRules { max_items: #n, keys: #kv, each: #vv }))
            }
            Lowered::Nested(ty) => {
                let rules = self.nested(ty, in_key, cx.generics, &cx.lifetimes);
                (rules.clone(), rules)
            }
        }
    }
}

/// The item's lifetime parameters, for the leaves' impls.
pub(crate) struct Lifetimes {
    /// With their bounds (`'b: 'a`).
    pub(crate) params: Vec<TokenStream>,
    pub(crate) names: Vec<syn::Lifetime>,
}

/// What every part of one item's code needs to know about the item.
pub(crate) struct EmitCx<'g> {
    pub(crate) generics: &'g GenericNames,
    pub(crate) lifetimes: Lifetimes,
}

impl<'g> EmitCx<'g> {
    pub(crate) fn new(generics: &'g GenericNames, item: &Generics) -> Self {
        let params = item.lifetimes().map(|l| quote!(#l)).collect();
        let names = item.lifetimes().map(|l| l.lifetime.clone()).collect();
        EmitCx { generics, lifetimes: Lifetimes { params, names } }
    }
}

/// The impl generics with `'de` added (outliving every lifetime of the type).
pub(crate) fn with_de(generics: &Generics) -> Generics {
    let mut g = generics.clone();
    let lifetimes: Vec<syn::Lifetime> = g.lifetimes().map(|l| l.lifetime.clone()).collect();
    let de: syn::LifetimeParam = syn::parse_quote!('de: #(#lifetimes)+*);
    g.params.insert(0, GenericParam::Lifetime(de));
    g
}

/// The code that makes a field's value when it is absent, if it has one.
fn default_fn(default: &FieldDefault) -> TokenStream {
    let p = private();
    let value = match default {
        FieldDefault::None => return quote!(#p::None),
        FieldDefault::TypeDefault => quote!(::core::default::Default::default()),
        FieldDefault::Literal(v) => literal(v),
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

/// A default's literal as JSON text, for the schema's `default`.
fn json_literal(v: &Value) -> String {
    fn string(s: &str) -> String {
        let mut out = String::with_capacity(s.len() + 2);
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }
    match v {
        Value::Str(s) => string(s),
        Value::Char(c) => string(&c.to_string()),
        Value::Num(Num::Int(i)) => i.to_string(),
        // `{:?}` keeps a `.0`, and a float literal is always finite.
        Value::Num(Num::Float(x)) => format!("{x:?}"),
        Value::Bool(b) => b.to_string(),
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
    /// Statements adding the fields to an `ObjectSchema` named `__s`
    /// (feature `schemars`).
    pub(crate) schema: TokenStream,
}

/// `construct`: the path to build (`Self`, `Self::Variant`); `bind`: how a
/// checked field is reached (`self.` for structs, a binding for variants).
pub(crate) fn fields_code(
    items: &mut Items,
    fields: &[CheckedField<'_>],
    construct: TokenStream,
    bind: &dyn Fn(&Ident) -> TokenStream,
    cx: &EmitCx<'_>,
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
    let mut schema = Vec::new();
    for (index, CheckedField { field: f, read }) in fields.iter().enumerate() {
        let cfgs = &f.cfgs;
        let ident = f.ident;
        let ty = f.ty;
        let Some(read) = read else {
            inits.push(quote!(#(#cfgs)* #ident: ::core::default::Default::default()));
            continue;
        };
        let rules = items.rules_static(&read.rules, cx);
        let slot = format_ident!("__slot{}", index);
        let value = format_ident!("__value{}", index);
        let wire = &f.wire;
        let aliases = &f.aliases;
        // A `u16` literal: a struct with more fields is a compile error here.
        let index = Literal::usize_unsuffixed(index);
        lookup_arms.push(quote!(#(#cfgs)* #wire #(| #aliases)* => #p::Some(#index)));
        decls.push(quote!(#(#cfgs)* let mut #slot: #p::Slot<#ty> = #p::Slot::Absent;));
        arms.push(quote! {
            #(#cfgs)* #p::Key::Field(#index) => #p::read_field(&mut __map, &mut #slot, &#rules, __cx, &__at.field(#wire))?,
        });
        let default = default_fn(&read.default);
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
        let required = matches!(read.default, FieldDefault::None) && !matches!(read.rules, Lowered::Option(_));
        let default = match &read.default {
            FieldDefault::Literal(v) => {
                let json = json_literal(v);
                quote!(#p::Some(#json))
            }
            FieldDefault::None | FieldDefault::TypeDefault => quote!(#p::None),
        };
        schema.push(quote! {
            #(#cfgs)* __s.field(#wire, #p::RuleSchema::<#ty>::schema(&#rules, __g), #required, #default);
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
    FieldsCode { visit, check: quote!(#(#check)*), policy: policy_entries, schema: quote!(#(#schema)*) }
}

/// The `JsonSchema` impl of the checked item (feature `schemars`).
pub(crate) fn schema_impl(
    checked: &Checked<'_>,
    schema_bounds: &[TokenStream],
    leaves: &[TokenStream],
    body: TokenStream,
) -> TokenStream {
    let c = checked.container;
    crate::schema::json_schema_impl(c.ident, c.generics, schema_bounds, leaves, body)
}

pub(crate) fn emit(checked: &Checked<'_>) -> TokenStream {
    match &checked.body {
        CheckedBody::Struct(fields) => emit_struct(checked, fields),
        CheckedBody::UnitEnum(variants) => emit_unit_enum(checked, variants),
        CheckedBody::Tagged { tag, content, variants } => {
            super::emit_enum::emit_tagged(checked, tag, *content, variants)
        }
    }
}

/// The impls every request type gets once it can be read and checked:
/// `Deserialize`, `SecureRequest` and (feature `validator`) `validator::Validate`.
pub(crate) fn common_impls(
    checked: &Checked<'_>,
    field_policies: &[TokenStream],
    read_bounds: &[TokenStream],
    check_bounds: &[TokenStream],
) -> TokenStream {
    let p = private();
    let c = checked.container;
    let ident = c.ident;
    let name = ident.to_string();
    let quiet = quiet(c.generics);
    let mut both = read_bounds.to_vec();
    both.extend(check_bounds.iter().cloned());
    let de_generics = bounded(&with_de(c.generics), &both);
    let (de_impl, _, de_where) = de_generics.split_for_impl();
    let check_generics = bounded(c.generics, check_bounds);
    let (impl_g, ty_g, where_g) = check_generics.split_for_impl();
    let (kind, mode) = if c.query { (quote!(Query), quote!(Query)) } else { (quote!(Body), quote!(Json)) };
    let max_query = usize_lit(checked.max_query_len);
    let with_schema = crate::schema::policy_schema(c.ident, c.generics);
    let register = crate::syntax::register_type(quote!(#p::RegisteredType::__request(
        ::core::module_path!(),
        __APISHIELD_POLICY
    )));
    quote! {
        #[automatically_derived]
        #quiet
        impl #de_impl #p::serde::Deserialize<'de> for #ident #ty_g #de_where {
            fn deserialize<__D: #p::serde::Deserializer<'de>>(__de: __D) -> #p::Result<Self, __D::Error> {
                #p::deserialize::<Self, __D>(__de, #p::Mode::#mode)
            }
        }

        // One policy for every instantiation: the rules as written (and,
        // with the `schemars` feature, the schema of a type without type
        // parameters).
        const __APISHIELD_POLICY: &#p::RequestPolicy = &::apishield::__if_schemars!({
            #p::RequestPolicy::__new(#name, #p::RequestKind::#kind, #max_query, &[#(#field_policies),*])
                #with_schema
        } else {
            #p::RequestPolicy::__new(#name, #p::RequestKind::#kind, #max_query, &[#(#field_policies),*])
        });

        #[automatically_derived]
        #quiet
        impl #impl_g #p::SecureRequest for #ident #ty_g #where_g {
            const POLICY: &'static #p::RequestPolicy = __APISHIELD_POLICY;
        }

        #register

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

fn emit_struct(checked: &Checked<'_>, fields: &[CheckedField<'_>]) -> TokenStream {
    let p = private();
    let c = checked.container;
    let ident = c.ident;
    let quiet = quiet(c.generics);
    let generics = GenericNames::of(c.generics);
    let emit_cx = EmitCx::new(&generics, c.generics);
    let mut items = Items::default();
    let code = fields_code(&mut items, fields, quote!(Self), &|f| quote!(&self.#f), &emit_cx);
    let FieldsCode { visit, check, policy: field_policies, schema } = code;
    let Items { statics, assertions, read_bounds, check_bounds, leaves, schema_leaves, schema_bounds, .. } = items;
    let schema_impl = schema_impl(checked, &schema_bounds, &schema_leaves, crate::schema::object(schema));
    let assertions = generics.assertion_fn(&assertions);
    let mut both = read_bounds.clone();
    both.extend(check_bounds.iter().cloned());
    let de_generics = bounded(&with_de(c.generics), &both);
    let (de_impl, _, de_where) = de_generics.split_for_impl();
    let check_generics = bounded(c.generics, &check_bounds);
    let (impl_g, ty_g, where_g) = check_generics.split_for_impl();
    let common = common_impls(checked, &field_policies, &read_bounds, &check_bounds);
    quote! {
        const _: () = {
            #(#leaves)*
            #(#statics)*
            #assertions

            #[automatically_derived]
            #quiet
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
            #quiet
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
            #quiet
            impl #impl_g #p::NestedCheck for #ident #ty_g #where_g {
                fn check_nested(&self, __cx: &mut #p::Cx, __at: &#p::Path<'_>) {
                    #check
                }
            }

            #common
            #schema_impl
        };
    }
}

fn emit_unit_enum(checked: &Checked<'_>, variants: &[Variant<'_>]) -> TokenStream {
    let p = private();
    let c = checked.container;
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
    let common = common_impls(checked, &[], &[], &[]);
    let schema_impl = schema_impl(checked, &[], &[], quote!(#p::unit_enum(&[#(#names),*])));
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
            #[diagnostic::do_not_recommend]
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
            #[diagnostic::do_not_recommend]
            impl #p::NestedCheck for #ident {
                #[inline]
                fn check_nested(&self, _: &mut #p::Cx, _: &#p::Path<'_>) {}
            }

            #[automatically_derived]
            #[diagnostic::do_not_recommend]
            impl #p::MapKey for #ident {
                fn key_text(&self) -> ::std::borrow::Cow<'_, str> {
                    #key_text
                }
            }

            #common
            #schema_impl
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
    let schema = crate::schema::fallback_schema_impl(ident, generics);
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
            #schema
        };
    }
}
