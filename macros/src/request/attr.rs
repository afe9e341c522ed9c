//! Parsing of `#[shield(...)]` field rules, `#[serde(...)]` attributes and the
//! `#[secure_request(...)]` arguments into plain data. Syntax problems are
//! recorded in the [`Ctxt`] and parsing goes on with the next key, so one
//! compile reports every mistake. Whether the rules make sense for the field
//! is decided later, in `check`.

use std::fmt;

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Lit, LitStr, RangeLimits, UnOp};

use crate::ctxt::Ctxt;
use crate::names::RenameRule;
use crate::syntax::skip_value;

/// A number literal of a rule, with its span.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NumLit {
    pub(crate) value: Num,
    pub(crate) span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    pub(crate) fn as_f64(self) -> f64 {
        match self {
            #[allow(clippy::cast_precision_loss)] // bounds are compared, not computed with
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
}

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Num::Int(i) => write!(f, "{i}"),
            Num::Float(x) => write!(f, "{x:?}"),
        }
    }
}

/// `a..=b`, `..=b` or `a..b`, as written after `len =` or `range =`.
#[derive(Debug, Clone)]
pub(crate) struct Bound {
    /// The key (`len`, `range`).
    pub(crate) key: Span,
    pub(crate) min: Option<NumLit>,
    pub(crate) max: Option<NumLit>,
    pub(crate) max_exclusive: bool,
}

impl fmt::Display for Bound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(min) = &self.min {
            write!(f, "{}", min.value)?;
        }
        f.write_str(if self.max_exclusive { ".." } else { "..=" })?;
        if let Some(max) = &self.max {
            write!(f, "{}", max.value)?;
        }
        Ok(())
    }
}

/// A literal of `one_of`, `fallback` or `default`.
#[derive(Debug, Clone)]
pub(crate) enum Value {
    Str(String),
    Num(Num),
    Bool(bool),
    Char(char),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => write!(f, "{s:?}"),
            Value::Num(n) => write!(f, "{n}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Char(c) => write!(f, "{c:?}"),
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ValueLit {
    pub(crate) value: Value,
    pub(crate) span: Span,
}

/// The rules of one field (or, inside `each(...)`/`keys(...)`, of its items).
/// Every rule keeps the span of its key so errors point at it.
#[derive(Clone, Default)]
pub(crate) struct Rules {
    pub(crate) len: Option<Bound>,
    pub(crate) range: Option<Bound>,
    pub(crate) email: Option<Span>,
    pub(crate) pattern: Option<(Span, LitStr)>,
    pub(crate) one_of: Option<(Span, Vec<ValueLit>)>,
    pub(crate) fallback: Option<(Span, ValueLit)>,
    pub(crate) max_items: Option<(Span, NumLit)>,
    pub(crate) each: Option<(Span, Box<Rules>)>,
    pub(crate) keys: Option<(Span, Box<Rules>)>,
    pub(crate) trim: Option<Span>,
    // Field-level only:
    pub(crate) default: Option<(Span, Option<ValueLit>)>,
    pub(crate) client_settable: Option<Span>,
    pub(crate) allow_large: Option<Span>,
    /// A rule was misspelled or malformed (and reported): what was written
    /// is not what was meant, so the checks that depend on the rules are
    /// skipped rather than reported as consequences of the typo.
    pub(crate) incomplete: bool,
}

impl Rules {
    /// Whether `one_of` restricts the field or its items anywhere.
    pub(crate) fn restricts_values(&self) -> bool {
        self.one_of.is_some()
            || self.each.as_ref().is_some_and(|(_, r)| r.restricts_values())
            || self.keys.as_ref().is_some_and(|(_, r)| r.restricts_values())
    }

    /// Whether any rule at all was written (at this level or below).
    pub(crate) fn is_empty(&self) -> bool {
        self.to_string().is_empty()
    }
}

/// The rules as the user would write them, normalized: `len = 1..=100, trim`.
impl fmt::Display for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(b) = &self.len {
            parts.push(format!("len = {b}"));
        }
        if let Some(b) = &self.range {
            parts.push(format!("range = {b}"));
        }
        if self.email.is_some() {
            parts.push("email".into());
        }
        if let Some((_, p)) = &self.pattern {
            parts.push(format!("pattern = {:?}", p.value()));
        }
        if let Some((_, values)) = &self.one_of {
            let list: Vec<String> = values.iter().map(|v| v.value.to_string()).collect();
            parts.push(format!("one_of = [{}]", list.join(", ")));
        }
        if let Some((_, v)) = &self.fallback {
            parts.push(format!("fallback = {}", v.value));
        }
        if let Some((_, n)) = &self.max_items {
            parts.push(format!("max_items = {}", n.value));
        }
        if let Some((_, r)) = &self.keys {
            parts.push(format!("keys({r})"));
        }
        if let Some((_, r)) = &self.each {
            parts.push(format!("each({r})"));
        }
        if self.trim.is_some() {
            parts.push("trim".into());
        }
        match &self.default {
            Some((_, Some(v))) => parts.push(format!("default = {}", v.value)),
            Some((_, None)) => parts.push("default".into()),
            None => {}
        }
        if self.client_settable.is_some() {
            parts.push("client_settable".into());
        }
        if self.allow_large.is_some() {
            parts.push("allow_large".into());
        }
        f.write_str(&parts.join(", "))
    }
}

const RULE_KEYS: &str = "len, range, email, pattern, one_of, fallback, max_items, each(...), keys(...), trim, default, \
                         client_settable, allow_large";

/// Parses every `#[shield(...)]` of a field into one rule set.
pub(crate) fn parse_shield(cx: &Ctxt, attrs: &[Attribute]) -> Rules {
    let before = cx.error_count();
    let mut rules = Rules::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("shield")) {
        match &attr.meta {
            syn::Meta::List(_) => {
                if let Err(e) = attr.parse_nested_meta(|meta| parse_rule(cx, &mut rules, &meta, true)) {
                    cx.syn_error(e);
                }
            }
            _ => cx.error_on(
                attr,
                "`#[shield]` needs a list of rules",
                "write the rules in parentheses, e.g. `#[shield(len = 1..=100)]`",
            ),
        }
    }
    rules.incomplete = cx.error_count() > before;
    rules
}

fn set_once<T>(cx: &Ctxt, slot: &mut Option<T>, value: T, key: &ParseNestedMeta<'_>) {
    if slot.is_some() {
        cx.error(key.path.span(), format!("duplicate rule `{}`", path_name(key)), "keep one of the two");
    } else {
        *slot = Some(value);
    }
}

fn path_name(meta: &ParseNestedMeta<'_>) -> String {
    crate::syntax::path_name(&meta.path)
}

fn parse_rule(cx: &Ctxt, rules: &mut Rules, meta: &ParseNestedMeta<'_>, top: bool) -> syn::Result<()> {
    let key = meta.path.span();
    let name = path_name(meta);
    let field_only = |what: &str| {
        cx.error(
            key,
            format!("`{what}` applies to the whole field, not to its items"),
            "move it out of `each(...)`/`keys(...)`",
        );
    };
    match name.as_str() {
        "len" => {
            let bound = parse_bound(cx, meta)?;
            set_once(cx, &mut rules.len, bound, meta);
        }
        "range" => {
            let bound = parse_bound(cx, meta)?;
            set_once(cx, &mut rules.range, bound, meta);
        }
        "email" => set_once(cx, &mut rules.email, key, meta),
        "trim" => set_once(cx, &mut rules.trim, key, meta),
        "pattern" => {
            let lit: LitStr = meta.value()?.parse()?;
            set_once(cx, &mut rules.pattern, (key, lit), meta);
        }
        "one_of" => {
            let expr: Expr = meta.value()?.parse()?;
            let values = match &expr {
                Expr::Array(array) => array.elems.iter().filter_map(|e| value_of(cx, e)).collect(),
                other => {
                    cx.error_on(
                        other,
                        "`one_of` takes a list of literals",
                        "write e.g. `one_of = [\"user\", \"viewer\"]`",
                    );
                    Vec::new()
                }
            };
            set_once(cx, &mut rules.one_of, (key, values), meta);
        }
        "fallback" => {
            let expr: Expr = meta.value()?.parse()?;
            if let Some(v) = value_of(cx, &expr) {
                set_once(cx, &mut rules.fallback, (key, v), meta);
            }
        }
        "max_items" => {
            let expr: Expr = meta.value()?.parse()?;
            match num_of(&expr) {
                Some(n @ NumLit { value: Num::Int(i), .. }) if i >= 0 => {
                    set_once(cx, &mut rules.max_items, (key, n), meta)
                }
                _ => cx.error_on(
                    &expr,
                    "`max_items` takes a non-negative integer literal",
                    "write e.g. `max_items = 20`",
                ),
            }
        }
        "each" | "keys" => {
            let mut inner = Rules::default();
            meta.parse_nested_meta(|m| parse_rule(cx, &mut inner, &m, false))?;
            let slot = if name == "each" { &mut rules.each } else { &mut rules.keys };
            set_once(cx, slot, (key, Box::new(inner)), meta);
        }
        "default" => {
            if !top {
                field_only("default");
            }
            let value = if meta.input.peek(syn::Token![=]) {
                let expr: Expr = meta.value()?.parse()?;
                match value_of(cx, &expr) {
                    Some(v) => Some(v),
                    None => return Ok(()),
                }
            } else {
                None
            };
            set_once(cx, &mut rules.default, (key, value), meta);
        }
        "client_settable" => {
            if !top {
                field_only("client_settable");
            }
            set_once(cx, &mut rules.client_settable, key, meta);
        }
        "allow_large" => {
            if !top {
                field_only("allow_large");
            }
            set_once(cx, &mut rules.allow_large, key, meta);
        }
        _ => {
            let help = match suggest(&name) {
                Some(s) => format!("did you mean `{s}`? The rules are: {RULE_KEYS}"),
                None => format!("the rules are: {RULE_KEYS}"),
            };
            cx.error(key, format!("unknown rule `{name}`"), help);
            skip_value(meta)?;
        }
    }
    Ok(())
}

/// The nearest rule name to a misspelled one (edit distance at most 2), or a
/// synonym from other validation crates.
fn suggest(name: &str) -> Option<&'static str> {
    let synonyms: &[(&str, &str)] = &[
        ("length", "len"),
        ("min_length", "len"),
        ("max_length", "len"),
        ("max_len", "len"),
        ("min", "range"),
        ("max", "range"),
        ("regex", "pattern"),
        ("matches", "pattern"),
        ("contains", "pattern"),
        ("enum", "one_of"),
        ("choices", "one_of"),
        ("allowed", "one_of"),
        ("inner", "each"),
        ("dive", "each"),
        ("items", "each"),
        ("size", "max_items"),
        ("max_size", "max_items"),
        ("nested", "each"),
        ("skip", "default"),
    ];
    if let Some((_, to)) = synonyms.iter().find(|(from, _)| *from == name) {
        return Some(to);
    }
    [
        "len",
        "range",
        "email",
        "pattern",
        "one_of",
        "fallback",
        "max_items",
        "each",
        "keys",
        "trim",
        "default",
        "client_settable",
        "allow_large",
    ]
    .into_iter()
    .find(|k| edit_distance(k, name) <= 2 || (k.len() >= 3 && name.starts_with(k)))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb { prev } else { 1 + prev.min(cur).min(row[j]) };
            prev = cur;
        }
    }
    row[b.len()]
}

fn parse_bound(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Bound> {
    let key = meta.path.span();
    let expr: Expr = meta.value()?.parse()?;
    let Expr::Range(range) = &expr else {
        let name = path_name(meta);
        cx.error_on(
            &expr,
            format!("`{name}` takes a range"),
            format!("write e.g. `{name} = 1..=100` or `{name} = ..=100`"),
        );
        return Ok(Bound { key, min: None, max: None, max_exclusive: false });
    };
    let end = |e: &Option<Box<Expr>>| match e.as_deref() {
        None => None,
        Some(e) => {
            let n = num_of(e);
            if n.is_none() {
                cx.error_on(e, "range bounds must be number literals", "write the number itself, e.g. `..=100`");
            }
            n
        }
    };
    let min = end(&range.start);
    let max = end(&range.end);
    Ok(Bound { key, min, max, max_exclusive: matches!(range.limits, RangeLimits::HalfOpen(_)) })
}

/// A number literal, possibly negated.
pub(crate) fn num_of(expr: &Expr) -> Option<NumLit> {
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Int(i) => i.base10_parse::<i128>().ok().map(|v| NumLit { value: Num::Int(v), span: i.span() }),
            Lit::Float(f) => f.base10_parse::<f64>().ok().map(|v| NumLit { value: Num::Float(v), span: f.span() }),
            _ => None,
        },
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => {
            let inner = num_of(&u.expr)?;
            let value = match inner.value {
                Num::Int(i) => Num::Int(i.checked_neg()?),
                Num::Float(f) => Num::Float(-f),
            };
            Some(NumLit { value, span: expr.span() })
        }
        Expr::Group(g) => num_of(&g.expr),
        Expr::Paren(p) => num_of(&p.expr),
        _ => None,
    }
}

fn value_of(cx: &Ctxt, expr: &Expr) -> Option<ValueLit> {
    let span = expr.span();
    let value = match expr {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(s) => Some(Value::Str(s.value())),
            Lit::Bool(b) => Some(Value::Bool(b.value)),
            Lit::Char(c) => Some(Value::Char(c.value())),
            _ => num_of(expr).map(|n| Value::Num(n.value)),
        },
        _ => num_of(expr).map(|n| Value::Num(n.value)),
    };
    if value.is_none() {
        cx.error_on(
            expr,
            "expected a literal (a string, number, `true`/`false` or a character)",
            "rules are checked at compile time, so values must be written out",
        );
    }
    value.map(|value| ValueLit { value, span })
}

// ------------------------------------------------------------------ serde

/// What `#[serde(...)]` says about a field or variant.
#[derive(Debug, Default)]
pub(crate) struct SerdeItem {
    pub(crate) rename: Option<String>,
    pub(crate) aliases: Vec<String>,
    /// `skip` / `skip_deserializing`: never read from the client.
    pub(crate) skip: bool,
    pub(crate) rename_all: Option<RenameRule>,
}

/// What `#[serde(...)]` says about the type.
#[derive(Debug, Default)]
pub(crate) struct SerdeContainer {
    pub(crate) rename_all: Option<RenameRule>,
    pub(crate) rename_all_fields: Option<RenameRule>,
    pub(crate) tag: Option<(Span, String)>,
    pub(crate) content: Option<(Span, String)>,
    pub(crate) untagged: Option<Span>,
}

fn lit_str(meta: &ParseNestedMeta<'_>) -> syn::Result<String> {
    Ok(meta.value()?.parse::<LitStr>()?.value())
}

/// `rename = "x"` or `rename(deserialize = "x", serialize = "y")`: the
/// deserialize side is what the wire carries into the request.
fn deserialize_side(meta: &ParseNestedMeta<'_>) -> syn::Result<Option<String>> {
    if meta.input.peek(syn::Token![=]) {
        return lit_str(meta).map(Some);
    }
    let mut found = None;
    meta.parse_nested_meta(|m| {
        let v = lit_str(&m)?;
        if m.path.is_ident("deserialize") {
            found = Some(v);
        }
        Ok(())
    })?;
    Ok(found)
}

fn rename_rule(cx: &Ctxt, meta: &ParseNestedMeta<'_>) -> syn::Result<Option<RenameRule>> {
    let span = meta.path.span();
    Ok(deserialize_side(meta)?.and_then(|s| {
        let rule = RenameRule::parse(&s);
        if rule.is_none() {
            cx.error(span, format!("unknown rename rule {s:?}"), format!("use one of {}", RenameRule::NAMES));
        }
        rule
    }))
}

fn unsupported_serde(cx: &Ctxt, meta: &ParseNestedMeta<'_>, what: &str, help: &str) -> syn::Result<()> {
    cx.error(meta.path.span(), format!("`#[serde({})]` {what}", path_name(meta)), help);
    skip_value(meta)
}

/// Parses the `#[serde(...)]` of a field (`is_variant`: of an enum variant).
pub(crate) fn parse_serde_item(cx: &Ctxt, attrs: &[Attribute], is_variant: bool) -> SerdeItem {
    let mut item = SerdeItem::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let result = attr.parse_nested_meta(|meta| {
            let name = path_name(&meta);
            match name.as_str() {
                "rename" => item.rename = deserialize_side(&meta)?.or(item.rename.take()),
                "alias" => item.aliases.push(lit_str(&meta)?),
                "skip" | "skip_deserializing" => item.skip = true,
                "rename_all" if is_variant => item.rename_all = rename_rule(cx, &meta)?,
                // Serialization-side attributes are the user's `Serialize` derive's business.
                "skip_serializing" | "skip_serializing_if" | "serialize_with" | "borrow" | "other" => {
                    skip_value(&meta)?
                }
                "flatten" => unsupported_serde(
                    cx,
                    &meta,
                    "silently disables unknown-field rejection",
                    "declare the nested fields in this struct, or make the field a nested #[secure_request] struct",
                )?,
                "default" => unsupported_serde(
                    cx,
                    &meta,
                    "is not read by #[secure_request]",
                    "use `#[shield(default)]` or `#[shield(default = ...)]`, which is checked against the field's rules",
                )?,
                "with" | "deserialize_with" => unsupported_serde(
                    cx,
                    &meta,
                    "would bypass the field's rules",
                    "give the field a type the rules apply to, or a #[secure_request] / apishield::Bounded type",
                )?,
                _ => unsupported_serde(
                    cx,
                    &meta,
                    "is not supported by #[secure_request]",
                    "the supported field attributes are rename, alias, skip and skip_deserializing",
                )?,
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    item
}

/// Parses the `#[serde(...)]` of the type.
pub(crate) fn parse_serde_container(cx: &Ctxt, attrs: &[Attribute]) -> SerdeContainer {
    let mut c = SerdeContainer::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let result = attr.parse_nested_meta(|meta| {
            let name = path_name(&meta);
            let span = meta.path.span();
            match name.as_str() {
                "rename_all" => c.rename_all = rename_rule(cx, &meta)?,
                "rename_all_fields" => c.rename_all_fields = rename_rule(cx, &meta)?,
                "tag" => c.tag = Some((span, lit_str(&meta)?)),
                "content" => c.content = Some((span, lit_str(&meta)?)),
                "untagged" => c.untagged = Some(span),
                // Implied (unknown fields are always denied) or serialization-side.
                "deny_unknown_fields" | "rename" | "crate" | "expecting" | "into" => skip_value(&meta)?,
                _ => unsupported_serde(
                    cx,
                    &meta,
                    "is not supported by #[secure_request]",
                    "the supported type attributes are rename_all, rename_all_fields, tag and content",
                )?,
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    c
}

/// `#[secure_request]` or `#[secure_request(query)]`.
pub(crate) fn parse_args(cx: &Ctxt, args: TokenStream) -> bool {
    let mut query = false;
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("query") {
            query = true;
            Ok(())
        } else {
            cx.error(
                meta.path.span(),
                format!("unknown argument `{}`", path_name(&meta)),
                "write `#[secure_request]` for bodies or `#[secure_request(query)]` for query strings",
            );
            skip_value(&meta)
        }
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, args) {
        cx.syn_error(e);
    }
    query
}
