//! The policy: every rule of the security reference that a type can break,
//! checked on the model. Each problem is one error spanned on the field, rule
//! key or type at fault, with a `help:` line that says the fix.
//!
//! A model that passes comes out as a [`Checked`] model: the rules lowered
//! to the exact values the runtime enforces (bounds resolved per type, the
//! email ceiling applied, defaults decided). `emit` reads only that, so it
//! can neither run on a model that failed nor invent a value of its own.

use std::cell::Cell;
use std::collections::HashMap;

use proc_macro2::Span;
use syn::spanned::Spanned;

use super::attr::{Bound, Num, Rules, Value, ValueLit};
use super::model::{Body, Container, Field, Variant, VariantKind};
use super::shape::Shape;
use crate::ctxt::Ctxt;
use crate::names::credential_parts;
use crate::policy::Policy;

/// RFC 5321's limit, which `email` implies (the runtime enforces the same constant).
const MAX_EMAIL_LEN: u64 = apishield_internals::limits::MAX_EMAIL_LEN as u64;

// ------------------------------------------------------------ checked model

/// A model that passed every check, with its rules lowered.
pub(crate) struct Checked<'a> {
    pub(crate) container: &'a Container<'a>,
    /// The crate's ceiling on a query string's length.
    pub(crate) max_query_len: u64,
    pub(crate) body: CheckedBody<'a>,
}

pub(crate) enum CheckedBody<'a> {
    Struct(Vec<CheckedField<'a>>),
    UnitEnum(&'a [Variant<'a>]),
    Tagged { tag: &'a str, content: Option<&'a str>, variants: Vec<CheckedVariant<'a>> },
}

pub(crate) struct CheckedVariant<'a> {
    pub(crate) variant: &'a Variant<'a>,
    pub(crate) kind: CheckedKind<'a>,
}

pub(crate) enum CheckedKind<'a> {
    Unit,
    Struct(Vec<CheckedField<'a>>),
    /// One unnamed field holding a type that validates itself.
    Newtype(&'a syn::Type),
}

pub(crate) struct CheckedField<'a> {
    pub(crate) field: &'a Field<'a>,
    /// `None`: never read from the client (`#[serde(skip)]`), always `Default`.
    pub(crate) read: Option<FieldRead<'a>>,
}

/// How a field is read: its lowered rules and what an absent field takes.
pub(crate) struct FieldRead<'a> {
    pub(crate) rules: Lowered<'a>,
    pub(crate) default: FieldDefault,
}

pub(crate) enum FieldDefault {
    /// Absent is missing (or `None`, for an `Option`).
    None,
    /// `Default::default()` (a bare `default`).
    TypeDefault,
    /// A literal (`default = ..`, a `fallback`, or a page size's default).
    Literal(Value),
}

/// The rules of one value, as the runtime's rule types hold them.
pub(crate) enum Lowered<'a> {
    Str {
        min: u64,
        /// `None`: bounded by `one_of` alone.
        max: Option<u64>,
        trim: bool,
        email: bool,
        pattern: Option<String>,
        one_of: Vec<String>,
        fallback: Option<String>,
    },
    Int {
        ty: &'a syn::Ident,
        min: i128,
        max: i128,
        one_of: Vec<i128>,
    },
    Float {
        ty: &'a syn::Ident,
        min: f64,
        max: f64,
        max_exclusive: bool,
    },
    Plain,
    Option(Box<Lowered<'a>>),
    Box(Box<Lowered<'a>>),
    Secret(Box<Lowered<'a>>),
    Seq {
        max_items: u64,
        each: Box<Lowered<'a>>,
    },
    Map {
        max_items: u64,
        keys: Box<Lowered<'a>>,
        each: Box<Lowered<'a>>,
    },
    /// A type that validates itself (asserted by the generated code).
    Nested(&'a syn::Type),
}

/// Checks the model; the checked model if nothing was reported.
pub(crate) fn check<'a>(cx: &Ctxt, policy: &Policy, c: &'a Container<'a>) -> Option<Checked<'a>> {
    let body = match &c.body {
        Body::Struct(fields) => check_fields(cx, policy, fields, c.query, None).map(CheckedBody::Struct),
        Body::UnitEnum(variants) => {
            check_variant_names(cx, variants.iter().map(|v| (v.ident.span(), &v.wire, &v.aliases)));
            Some(CheckedBody::UnitEnum(variants))
        }
        Body::Tagged { tag, content, variants } => {
            check_variant_names(cx, variants.iter().map(|v| (v.ident.span(), &v.wire, &v.aliases)));
            let mut checked = Some(Vec::new());
            for v in variants {
                let kind = match &v.kind {
                    VariantKind::Unit => Some(CheckedKind::Unit),
                    VariantKind::Struct(fields) => {
                        let reserved = if content.is_none() { Some(tag.as_str()) } else { None };
                        check_fields(cx, policy, fields, c.query, reserved).map(CheckedKind::Struct)
                    }
                    VariantKind::Newtype(ty) if matches!(super::shape::classify(ty), Shape::Nested(_)) => {
                        Some(CheckedKind::Newtype(ty))
                    }
                    VariantKind::Newtype(ty) => {
                        cx.error_on(
                            ty,
                            format!(
                                "the content of `{}` must be a #[secure_request] type, so that rules bound it",
                                v.ident
                            ),
                            format!(
                                "use a struct variant with rules on its fields: `{} {{ #[shield(...)] value: ... }}`",
                                v.ident
                            ),
                        );
                        None
                    }
                };
                checked = checked.zip(kind).map(|(mut all, kind)| {
                    all.push(CheckedVariant { variant: v, kind });
                    all
                });
            }
            checked.map(|variants| CheckedBody::Tagged { tag, content: content.as_deref(), variants })
        }
    };
    let body = body.filter(|_| !cx.has_errors())?;
    Some(Checked { container: c, max_query_len: policy.max_query_len, body })
}

fn check_variant_names<'a>(cx: &Ctxt, names: impl Iterator<Item = (Span, &'a String, &'a Vec<String>)>) {
    let mut seen: HashMap<&str, ()> = HashMap::new();
    for (span, wire, aliases) in names {
        for name in std::iter::once(wire).chain(aliases) {
            if seen.insert(name, ()).is_some() {
                cx.error(span, format!("two variants are named \"{name}\" on the wire"), "rename one of them");
            }
        }
    }
}

fn check_fields<'a>(
    cx: &Ctxt,
    policy: &Policy,
    fields: &'a [Field<'a>],
    query: bool,
    reserved: Option<&str>,
) -> Option<Vec<CheckedField<'a>>> {
    let mut seen: HashMap<&str, ()> = HashMap::new();
    for f in fields.iter().filter(|f| !f.skip) {
        for name in std::iter::once(&f.wire).chain(&f.aliases) {
            if seen.insert(name, ()).is_some() {
                cx.error(f.ident.span(), format!("two fields are named \"{name}\" on the wire"), "rename one of them");
            }
            if reserved == Some(name.as_str()) {
                cx.error(
                    f.ident.span(),
                    format!("the field \"{name}\" collides with the enum's tag"),
                    "rename the field or the tag",
                );
            }
        }
    }
    // Every field is checked (all errors in one compile) before any is dropped.
    let checked: Vec<Option<CheckedField<'a>>> = fields.iter().map(|f| check_field(cx, policy, f, query)).collect();
    checked.into_iter().collect()
}

fn check_field<'a>(cx: &Ctxt, policy: &Policy, f: &'a Field<'a>, query: bool) -> Option<CheckedField<'a>> {
    if f.skip {
        if !f.rules.is_empty() {
            cx.error(
                f.ident.span(),
                format!("`{}` is never read from the client (`#[serde(skip)]`), so its rules have no effect", f.wire),
                "remove the #[shield(...)] rules, or the `skip`",
            );
            return None;
        }
        return Some(CheckedField { field: f, read: None });
    }
    let names = f.names();
    let credential = if names.iter().any(|n| policy.is_credential(n)) {
        Some(&f.wire)
    } else {
        f.client_names().find(|name| credential_parts(name).iter().any(|n| policy.is_credential(n)))
    };
    if query && let Some(name) = credential {
        cx.error(
            f.ident.span(),
            format!("`{name}` looks like a credential, and credentials must not travel in URLs"),
            "URLs end up in server logs, browser history and Referer headers: send it in a header \
             (`Authorization: ...`) or in the request body",
        );
    }
    // A misspelled or malformed rule was reported where it is written; what
    // the field's rules were meant to be is unknown, so nothing that depends
    // on them is reported on top (a `lenght` is one error, not also "no
    // upper length bound").
    if f.rules.incomplete {
        return None;
    }
    let privileged = names.iter().any(|n| policy.is_privileged(n));
    if privileged && !f.rules.restricts_values() && f.rules.client_settable.is_none() {
        let restrict = match f.shape.peeled() {
            Shape::Str | Shape::Int(_) => "; or allow only safe values with `#[shield(one_of = [...])]`",
            Shape::Seq(inner) if matches!(inner.peeled(), Shape::Str | Shape::Int(_)) => {
                "; or allow only safe values with `#[shield(each(one_of = [...]))]`"
            }
            _ => "",
        };
        cx.error(
            f.ident.span(),
            format!(
                "`{}` is a privileged field: a client that can set it can grant itself rights (mass assignment)",
                f.wire
            ),
            format!(
                "remove the field and set it on the server{restrict}; or, if clients may really set it, mark it \
                 `#[shield(client_settable)]`"
            ),
        );
    }
    if let Some(span) = f.rules.client_settable
        && !privileged
    {
        cx.error(
            span,
            format!("`client_settable` is not needed: `{}` is not a privileged field name", f.wire),
            "remove `client_settable`",
        );
    }
    let exceeded = Cell::new(false);
    let ctx =
        FieldCtx { policy, allow_large: f.rules.allow_large.is_some(), exceeded: &exceeded, page_size: f.page_size };
    let subject = Subject { span: f.ident.span(), field: &f.wire, wrap: Vec::new() };
    if let Some((span, _)) = &f.rules.default
        && matches!(f.shape, Shape::Option(_))
    {
        cx.error(*span, "an `Option` field is `None` when absent: `default` has no effect", "remove `default`");
    }
    let rules = check_value(cx, &ctx, &f.shape, &f.rules, &subject);
    if f.page_size {
        check_page_size(cx, policy, f);
    }
    if query {
        check_flat(cx, f);
    }
    if let Some(span) = f.rules.allow_large
        && !exceeded.get()
    {
        cx.error(
            span,
            format!(
                "`allow_large` is not needed: no bound of `{}` is above the crate's ceilings ({} characters, {} items)",
                f.wire, policy.max_string_len, policy.max_items
            ),
            "remove `allow_large`",
        );
    }
    let default = match (&f.rules.default, &f.rules.fallback) {
        (Some((_, Some(v))), _) | (None, Some((_, v))) => FieldDefault::Literal(v.value.clone()),
        (Some((_, None)), _) if f.page_size => {
            FieldDefault::Literal(Value::Num(Num::Int(i128::from(policy.default_page_size))))
        }
        (Some((_, None)), _) => FieldDefault::TypeDefault,
        (None, None) => FieldDefault::None,
    };
    Some(CheckedField { field: f, read: Some(FieldRead { rules: rules?, default }) })
}

/// Page sizes: an integer with a maximum no larger than the policy's, and a default.
fn check_page_size(cx: &Ctxt, policy: &Policy, f: &Field<'_>) {
    let Shape::Int(_) = f.shape else {
        let not = match f.shape {
            Shape::Option(_) => "an `Option`: an absent page size takes the default".to_owned(),
            _ => f.shape.describe().to_owned(),
        };
        cx.error(
            f.ty.span(),
            format!("the page size `{}` must be an integer with a default, not {not}", f.wire),
            format!("write `#[shield(range = 1..={}, default)] {}: u32`", policy.max_page_size, f.ident),
        );
        return;
    };
    if let Some(Bound { max: Some(max), .. }) = &f.rules.range
        && let Num::Int(m) = max.value
        && m > i128::from(policy.max_page_size)
    {
        cx.error(
            max.span,
            format!("the page size `{}` allows {m} items per page; the most is {}", f.wire, policy.max_page_size),
            format!("lower the maximum to {} or less", policy.max_page_size),
        );
    }
    match &f.rules.default {
        None => cx.error(
            f.ident.span(),
            format!("the page size `{}` needs a default, for requests that do not send it", f.wire),
            format!("add `default` to its #[shield(...)] (it means {})", policy.default_page_size),
        ),
        Some((span, None)) => {
            if let Some(Bound { max: Some(max), .. }) = &f.rules.range
                && let Num::Int(m) = max.value
                && m < i128::from(policy.default_page_size)
            {
                cx.error(
                    *span,
                    format!("`default` means {} items per page, above this field's maximum", policy.default_page_size),
                    format!("write `default = {m}` or less"),
                );
            }
        }
        Some(_) => {}
    }
}

/// Query strings are flat `key=value` pairs.
fn check_flat(cx: &Ctxt, f: &Field<'_>) {
    let nested = match f.shape.peeled() {
        Shape::Map(..) => true,
        Shape::Seq(inner) => matches!(inner.peeled(), Shape::Seq(_) | Shape::Map(..)),
        _ => false,
    };
    if nested {
        cx.error(
            f.ty.span(),
            format!("`{}` cannot be sent in a query string: query strings are flat `key=value` pairs", f.wire),
            "use scalar fields, or a list of scalars (`tags=a&tags=b`); send structured data in a JSON body",
        );
    }
}

struct FieldCtx<'p> {
    policy: &'p Policy,
    allow_large: bool,
    exceeded: &'p Cell<bool>,
    /// A bare `default` of a page size means the policy's default page size, not 0.
    page_size: bool,
}

/// Whose values a message talks about: the field, or its items or keys.
struct Subject<'s> {
    span: Span,
    field: &'s str,
    wrap: Vec<&'static str>,
}

impl Subject<'_> {
    fn what(&self) -> String {
        let mut s = format!("`{}`", self.field);
        for w in &self.wrap {
            s = format!("the {} of {s}", if *w == "keys" { "keys" } else { "items" });
        }
        s
    }

    /// "`title` is a string" or "the items of `tags` are strings".
    fn is(&self, one: &str, many: &str) -> String {
        if self.wrap.is_empty() { format!("{} is {one}", self.what()) } else { format!("{} are {many}", self.what()) }
    }

    /// How to write `rule` for this subject.
    fn add(&self, rule: &str) -> String {
        if self.wrap.is_empty() {
            return format!("add `#[shield({rule})]`");
        }
        let mut r = rule.to_owned();
        for w in self.wrap.iter().rev() {
            r = format!("{w}({r})");
        }
        format!("add `{r}` to the field's `#[shield(...)]`")
    }

    fn inner(&self, wrap: &'static str) -> Subject<'_> {
        let mut w = self.wrap.clone();
        w.push(wrap);
        Subject { span: self.span, field: self.field, wrap: w }
    }
}

fn rule_help(rule: &str) -> &'static str {
    match rule {
        "len" => "`len` bounds strings; numbers take `range`, collections `max_items`",
        "range" => "`range` bounds numbers; strings take `len`, collections `max_items`",
        "email" | "pattern" | "trim" => "this rule applies to strings",
        "one_of" => "`one_of` applies to strings and integers",
        "fallback" => "`fallback` applies to a string with `one_of`",
        "max_items" => "`max_items` bounds lists, sets and maps",
        "each" => "`each(...)` applies to the items of lists, sets and maps",
        "keys" => "`keys(...)` applies to the keys of maps",
        _ => "remove the rule",
    }
}

fn present(rules: &Rules) -> Vec<(&'static str, Span)> {
    let mut v = Vec::new();
    let mut add = |name, span: Option<Span>| {
        if let Some(s) = span {
            v.push((name, s));
        }
    };
    add("len", rules.len.as_ref().map(|b| b.key));
    add("range", rules.range.as_ref().map(|b| b.key));
    add("email", rules.email);
    add("pattern", rules.pattern.as_ref().map(|p| p.0));
    add("one_of", rules.one_of.as_ref().map(|p| p.0));
    add("fallback", rules.fallback.as_ref().map(|p| p.0));
    add("max_items", rules.max_items.as_ref().map(|p| p.0));
    add("each", rules.each.as_ref().map(|p| p.0));
    add("keys", rules.keys.as_ref().map(|p| p.0));
    add("trim", rules.trim);
    v
}

/// Reports every rule that does not apply to a value of this kind
/// (`kind`: singular and plural).
fn only(cx: &Ctxt, rules: &Rules, allowed: &[&str], kind: (&str, &str), s: &Subject<'_>) {
    for (name, span) in present(rules) {
        if !allowed.contains(&name) {
            cx.error(span, format!("`{name}` does not apply here: {}", s.is(kind.0, kind.1)), rule_help(name));
        }
    }
}

/// Checks the rules of one value of `shape`; its lowered rules if they hold.
fn check_value<'a>(
    cx: &Ctxt,
    ctx: &FieldCtx<'_>,
    shape: &Shape<'a>,
    rules: &Rules,
    s: &Subject<'_>,
) -> Option<Lowered<'a>> {
    match shape {
        Shape::Unsupported(ty, help) => {
            cx.error_on(ty, "no #[shield] rule can bound a value of this type", help);
            None
        }
        Shape::Option(inner) => Some(Lowered::Option(Box::new(check_value(cx, ctx, inner, rules, s)?))),
        Shape::Box(inner) => Some(Lowered::Box(Box::new(check_value(cx, ctx, inner, rules, s)?))),
        Shape::Secret(inner) => Some(Lowered::Secret(Box::new(check_value(cx, ctx, inner, rules, s)?))),
        Shape::Str => check_str(cx, ctx, rules, s),
        Shape::Int(ty) => check_int(cx, ctx, rules, ty, s),
        Shape::Float(ty) => check_float(cx, rules, ty, s),
        Shape::Plain(ty) => {
            let before = cx.error_count();
            only(
                cx,
                rules,
                &[],
                (&format!("a `{ty}`, bounded by nature"), &format!("`{ty}` values, bounded by nature")),
                s,
            );
            if let Some((_, Some(v))) = &rules.default {
                let fits =
                    matches!((ty.to_string().as_str(), &v.value), ("bool", Value::Bool(_)) | ("char", Value::Char(_)));
                if !fits {
                    cx.error(v.span, format!("the default must be a `{ty}`"), format!("write a `{ty}` literal"));
                }
            }
            (cx.error_count() == before).then_some(Lowered::Plain)
        }
        Shape::Seq(item) => {
            only(cx, rules, &["max_items", "each"], ("a list or set", "lists or sets"), s);
            let max_items = check_max_items(cx, ctx, rules, s, "list");
            let each = rules.each.as_ref().map(|(_, r)| &**r).cloned().unwrap_or_default();
            let each = check_value(cx, ctx, item, &each, &s.inner("each"));
            let default_ok = check_collection_default(cx, rules);
            let (max_items, each) = (max_items?, each?);
            default_ok.then(|| Lowered::Seq { max_items, each: Box::new(each) })
        }
        Shape::Map(key, value) => {
            only(cx, rules, &["max_items", "each", "keys"], ("a map", "maps"), s);
            let max_items = check_max_items(cx, ctx, rules, s, "map");
            let keys = rules.keys.as_ref().map(|(_, r)| &**r).cloned().unwrap_or_default();
            let keys = match key.peeled() {
                Shape::Str | Shape::Int(_) | Shape::Plain(_) | Shape::Nested(_) => {
                    check_value(cx, ctx, key, &keys, &s.inner("keys"))
                }
                other => {
                    cx.error(
                        s.span,
                        format!(
                            "the keys of `{}` are {}; map keys must be strings, integers or unit-only enums",
                            s.field,
                            other.describe()
                        ),
                        "change the key type",
                    );
                    None
                }
            };
            let each = rules.each.as_ref().map(|(_, r)| &**r).cloned().unwrap_or_default();
            let each = check_value(cx, ctx, value, &each, &s.inner("each"));
            let default_ok = check_collection_default(cx, rules);
            let (max_items, keys, each) = (max_items?, keys?, each?);
            default_ok.then(|| Lowered::Map { max_items, keys: Box::new(keys), each: Box::new(each) })
        }
        Shape::Nested(ty) => {
            let before = cx.error_count();
            for (name, span) in present(rules) {
                cx.error(
                    span,
                    format!(
                        "`{name}` does not apply here: {} of a type that validates itself",
                        s.is("a value", "values")
                    ),
                    "put the rules on the fields of that type",
                );
            }
            if let Some((_, Some(v))) = &rules.default {
                cx.error(v.span, "a nested type's default is its `Default` value", "write `default` without a value");
            }
            (cx.error_count() == before).then_some(Lowered::Nested(ty))
        }
    }
}

/// Whether the default (if any) fits a collection: only a bare `default`.
fn check_collection_default(cx: &Ctxt, rules: &Rules) -> bool {
    if let Some((_, Some(v))) = &rules.default {
        cx.error(v.span, "a collection's default is empty", "write `default` without a value");
        return false;
    }
    true
}

/// The collection's `max_items`, if it is given and within the ceiling.
fn check_max_items(cx: &Ctxt, ctx: &FieldCtx<'_>, rules: &Rules, s: &Subject<'_>, what: &str) -> Option<u64> {
    match &rules.max_items {
        None => {
            cx.error(
                s.span,
                format!(
                    "{} with no `max_items`: a client could send millions of items",
                    s.is(&format!("a {what}"), &format!("{what}s"))
                ),
                format!(
                    "{}, N being the most items the API accepts (the crate's ceiling is {})",
                    s.add("max_items = N"),
                    ctx.policy.max_items
                ),
            );
            None
        }
        Some((_, n)) => {
            // The parser accepts only non-negative integer literals here.
            let Num::Int(i) = n.value else { return None };
            if i > i128::from(ctx.policy.max_items) {
                ctx.exceeded.set(true);
                if !ctx.allow_large {
                    cx.error(
                        n.span,
                        format!("`max_items = {i}` is above the crate's ceiling of {} items", ctx.policy.max_items),
                        format!(
                            "lower it to {} or less, or mark the field `#[shield(allow_large)]` if this list must be larger",
                            ctx.policy.max_items
                        ),
                    );
                    return None;
                }
            }
            u64::try_from(i).ok()
        }
    }
}

fn check_str<'a>(cx: &Ctxt, ctx: &FieldCtx<'_>, rules: &Rules, s: &Subject<'_>) -> Option<Lowered<'a>> {
    let before = cx.error_count();
    only(cx, rules, &["len", "email", "pattern", "one_of", "fallback", "trim"], ("a string", "strings"), s);
    let one_of: Vec<&str> = match &rules.one_of {
        Some((_, values)) => values
            .iter()
            .filter_map(|v| match &v.value {
                Value::Str(x) => Some(x.as_str()),
                _ => {
                    cx.error(
                        v.span,
                        format!("this value is not a string, but {}", s.is("a string", "strings")),
                        "write a string literal",
                    );
                    None
                }
            })
            .collect(),
        None => Vec::new(),
    };
    if let Some((span, values)) = &rules.one_of {
        if values.is_empty() {
            cx.error(*span, "`one_of` is empty: no value would ever be accepted", "list the allowed values");
        }
        for (rule, span_of) in [("email", rules.email), ("pattern", rules.pattern.as_ref().map(|p| p.0))] {
            if let Some(sp) = span_of {
                cx.error(
                    sp,
                    format!("`{rule}` contradicts `one_of`, which already fixes the allowed values"),
                    format!("remove `{rule}`"),
                );
            }
        }
    }
    if let Some((span, fallback)) = &rules.fallback {
        match (&rules.one_of, &fallback.value) {
            (None, _) => cx.error(
                *span,
                "`fallback` replaces a value that is not `one_of` the allowed ones",
                "add `one_of = [...]`, or remove `fallback`",
            ),
            (Some(_), Value::Str(f)) if !one_of.contains(&f.as_str()) => cx.error(
                fallback.span,
                "the fallback is not one of the allowed values",
                "use one of the `one_of` values as the fallback",
            ),
            (Some(_), Value::Str(_)) => {}
            (Some(_), _) => {
                cx.error(fallback.span, "the fallback of a string must be a string", "write a string literal")
            }
        }
    }
    let (min, max) = match &rules.len {
        Some(b) => len_bounds(cx, b),
        None => (0, None),
    };
    let max = max.or(rules.email.map(|_| MAX_EMAIL_LEN));
    if let Some(max) = max {
        if max > ctx.policy.max_string_len {
            ctx.exceeded.set(true);
            if !ctx.allow_large
                && let Some(b) = &rules.len
            {
                cx.error(
                    b.max.map_or(b.key, |m| m.span),
                    format!("a length of {max} is above the crate's ceiling of {} characters", ctx.policy.max_string_len),
                    format!(
                        "lower it to {} or less, or mark the field `#[shield(allow_large)]` if this text must be longer",
                        ctx.policy.max_string_len
                    ),
                );
            }
        }
    } else if rules.one_of.is_none() {
        cx.error(
            s.span,
            format!("{} with no upper length bound", s.is("a string", "strings")),
            format!(
                "{}, N being the longest value the API accepts (the crate's ceiling is {} characters)",
                s.add("len = ..=N"),
                ctx.policy.max_string_len
            ),
        );
    }
    for v in &one_of {
        let n = v.chars().count() as u64;
        if n < min || max.is_some_and(|m| n > m) {
            cx.error(
                rules.one_of.as_ref().map_or(s.span, |o| o.0),
                format!("the allowed value {v:?} breaks the `len` rule"),
                "make the two rules agree",
            );
        }
    }
    if let Some((_, lit)) = &rules.pattern
        && let Err(e) = regex_syntax::Parser::new().parse(&lit.value())
    {
        let (what, offset) = match &e {
            regex_syntax::Error::Parse(e) => (e.kind().to_string(), e.span().start.offset),
            regex_syntax::Error::Translate(e) => (e.kind().to_string(), e.span().start.offset),
            other => (other.to_string(), 0),
        };
        cx.error(
            lit.span(),
            format!("invalid regular expression: {what} (at character {})", offset + 1),
            "fix the pattern; it must match the whole value, as if written `^(?:...)$`",
        );
    }
    if let Some((span, default)) = &rules.default {
        let (value, span) = match default {
            Some(ValueLit { value: Value::Str(v), span }) => (v.clone(), *span),
            Some(v) => {
                cx.error(v.span, "the default of a string must be a string", "write a string literal");
                return None;
            }
            None => (String::new(), *span),
        };
        let n = value.chars().count() as u64;
        let breaks = if !one_of.is_empty() {
            !one_of.contains(&value.as_str())
        } else {
            n < min || max.is_some_and(|m| n > m) || value.contains('\0') || rules.email.is_some()
        };
        if breaks {
            cx.error(
                span,
                format!("the default {value:?} breaks the field's own rules"),
                "write a default that passes them",
            );
        }
    }
    if cx.error_count() > before {
        return None;
    }
    let fallback = match &rules.fallback {
        Some((_, ValueLit { value: Value::Str(f), .. })) => Some(f.clone()),
        _ => None,
    };
    Some(Lowered::Str {
        min,
        max,
        trim: rules.trim.is_some(),
        email: rules.email.is_some(),
        pattern: rules.pattern.as_ref().map(|(_, lit)| lit.value()),
        one_of: one_of.iter().map(|v| (*v).to_owned()).collect(),
        fallback,
    })
}

/// `len` in characters: both ends non-negative integers, min <= max.
fn len_bounds(cx: &Ctxt, b: &Bound) -> (u64, Option<u64>) {
    let as_len = |n: &super::attr::NumLit| match n.value {
        Num::Int(i) if i >= 0 => u64::try_from(i).ok(),
        _ => {
            cx.error(n.span, "a length must be a non-negative integer", "write a whole number of characters");
            None
        }
    };
    let min = b.min.as_ref().and_then(as_len).unwrap_or(0);
    let mut max = b.max.as_ref().and_then(as_len);
    if b.max_exclusive {
        max = match max {
            Some(0) | None => {
                cx.error(b.key, "`len` needs an upper bound", "write e.g. `len = 1..=100`");
                None
            }
            Some(m) => Some(m - 1),
        };
    }
    if let Some(m) = max
        && min > m
    {
        cx.error(
            b.key,
            format!("`len = {b}` allows no length at all"),
            "the lower bound must not exceed the upper bound",
        );
    }
    (min, max)
}

fn int_limits(ty: &str) -> (i128, i128) {
    match ty {
        "u8" => (0, u8::MAX.into()),
        "u16" => (0, u16::MAX.into()),
        "u32" => (0, u32::MAX.into()),
        "u64" | "usize" => (0, u64::MAX.into()),
        "u128" => (0, i128::MAX),
        "i8" => (i8::MIN.into(), i8::MAX.into()),
        "i16" => (i16::MIN.into(), i16::MAX.into()),
        "i32" => (i32::MIN.into(), i32::MAX.into()),
        "i64" | "isize" => (i64::MIN.into(), i64::MAX.into()),
        _ => (i128::MIN, i128::MAX),
    }
}

/// The inclusive integer bounds of a field, or `None` after reporting why not.
pub(crate) fn int_range(cx: &Ctxt, b: &Bound, ty: &str) -> Option<(i128, i128)> {
    let (lo, hi) = int_limits(ty);
    let report = |span: Span, m: String, h: String| cx.error(span, m, h);
    let int = |n: &super::attr::NumLit| match n.value {
        Num::Int(i) if (lo..=hi).contains(&i) => Some(i),
        Num::Int(i) => {
            report(
                n.span,
                format!("{i} does not fit in `{ty}` ({lo}..={hi})"),
                "use a bound the type can hold, or a wider type".into(),
            );
            None
        }
        Num::Float(_) => {
            report(n.span, "an integer field needs integer bounds".into(), "write a whole number".into());
            None
        }
    };
    let min = match &b.min {
        Some(m) => int(m)?,
        None if lo == 0 => 0,
        None => {
            report(
                b.key,
                format!("a `range` on the signed `{ty}` needs a lower bound"),
                format!("write e.g. `range = 0..={}`", b.max.map_or("N".into(), |m| m.value.to_string())),
            );
            return None;
        }
    };
    let Some(max) = &b.max else {
        report(b.key, "a `range` needs an upper bound".into(), "write e.g. `range = 1..=100`".into());
        return None;
    };
    let mut max = int(max)?;
    if b.max_exclusive {
        max -= 1;
    }
    if min > max {
        report(
            b.key,
            format!("`range = {b}` allows no value at all"),
            "the lower bound must not exceed the upper bound".into(),
        );
        return None;
    }
    Some((min, max))
}

fn check_int<'a>(
    cx: &Ctxt,
    ctx: &FieldCtx<'_>,
    rules: &Rules,
    ident: &'a syn::Ident,
    s: &Subject<'_>,
) -> Option<Lowered<'a>> {
    let before = cx.error_count();
    let ty = &ident.to_string();
    only(cx, rules, &["range", "one_of"], (&format!("a `{ty}`"), &format!("`{ty}` values")), s);
    let Some(range) = &rules.range else {
        cx.error(
            s.span,
            format!("{} with no `range`", s.is("an integer", "integers")),
            format!(
                "{}, MIN and MAX being the smallest and largest values the API accepts",
                s.add("range = MIN..=MAX")
            ),
        );
        return None;
    };
    let (min, max) = int_range(cx, range, ty)?;
    let mut allowed = Vec::new();
    if let Some((_, values)) = &rules.one_of {
        for v in values {
            match v.value {
                Value::Num(Num::Int(i)) if (min..=max).contains(&i) => allowed.push(i),
                Value::Num(Num::Int(_)) => {
                    cx.error(v.span, "this allowed value is outside the `range`", "make the two rules agree")
                }
                _ => cx.error(
                    v.span,
                    format!("{} is an integer; this value is not", s.what()),
                    "write an integer literal",
                ),
            }
        }
    }
    if let Some((span, default)) = &rules.default {
        let (value, span) = match default {
            Some(ValueLit { value: Value::Num(Num::Int(i)), span }) => (Some(*i), *span),
            Some(v) => {
                cx.error(v.span, "the default of an integer must be an integer", "write an integer literal");
                return None;
            }
            // A page size's bare `default` is checked with the page size.
            None if ctx.page_size => (None, *span),
            None => (Some(0), *span),
        };
        if let Some(value) = value
            && (!(min..=max).contains(&value) || (!allowed.is_empty() && !allowed.contains(&value)))
        {
            cx.error(
                span,
                format!("the default {value} breaks the field's own rules"),
                "write a default that passes them",
            );
        }
    }
    (cx.error_count() == before).then_some(Lowered::Int { ty: ident, min, max, one_of: allowed })
}

fn check_float<'a>(cx: &Ctxt, rules: &Rules, ident: &'a syn::Ident, s: &Subject<'_>) -> Option<Lowered<'a>> {
    let before = cx.error_count();
    let ty = &ident.to_string();
    only(cx, rules, &["range"], (&format!("a `{ty}`"), &format!("`{ty}` values")), s);
    let Some(b) = &rules.range else {
        cx.error(
            s.span,
            format!("{} with no `range`", s.is("a float", "floats")),
            format!(
                "{}, MIN and MAX being the smallest and largest values the API accepts",
                s.add("range = MIN..=MAX")
            ),
        );
        return None;
    };
    let limit = if ty == "f32" { f64::from(f32::MAX) } else { f64::MAX };
    let mut ok = true;
    for n in [&b.min, &b.max] {
        match n {
            None => {
                cx.error(b.key, "a float `range` needs both bounds", "write e.g. `range = 0.0..=1.0`");
                ok = false;
            }
            Some(n) if !n.value.as_f64().is_finite() || n.value.as_f64().abs() > limit => {
                cx.error(n.span, format!("this bound does not fit in `{ty}`"), "use a finite bound the type can hold");
                ok = false;
            }
            Some(_) => {}
        }
    }
    let (Some(min), Some(max)) = (&b.min, &b.max) else { return None };
    if ok {
        let (lo, hi) = (min.value.as_f64(), max.value.as_f64());
        if lo > hi || (b.max_exclusive && lo >= hi) {
            cx.error(
                b.key,
                format!("`range = {b}` allows no value at all"),
                "the lower bound must not exceed the upper bound",
            );
        }
        if let Some((span, default)) = &rules.default {
            let value = match default {
                Some(ValueLit { value: Value::Num(n), .. }) => n.as_f64(),
                Some(v) => {
                    cx.error(v.span, "the default of a float must be a number", "write a number literal");
                    return None;
                }
                None => 0.0,
            };
            let below = if b.max_exclusive { value < hi } else { value <= hi };
            if !(lo <= value && below) {
                cx.error(
                    *span,
                    format!("the default {value:?} is outside the `range`"),
                    "write a default that passes it",
                );
            }
        }
    }
    (ok && cx.error_count() == before).then(|| Lowered::Float {
        ty: ident,
        min: min.value.as_f64(),
        max: max.value.as_f64(),
        max_exclusive: b.max_exclusive,
    })
}
