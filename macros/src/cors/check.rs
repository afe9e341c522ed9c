//! Every value of `cors! { ... }` against the shared rules. Each error sits
//! on the literal, name or key it is about and carries the rule's `help:`;
//! checking goes on after an error, so one compile reports all of them.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Expr, ExprArray, Lit, LitStr, UnOp};

use super::attr::Field;
use super::rules::{self, OriginKind, PolicyError};
use crate::ctxt::Ctxt;

/// The checked policy: origins as browsers send them, header names in lower
/// case, methods as a bit set (see `rules::METHODS`).
pub(super) struct Checked {
    pub(super) any_origin: bool,
    pub(super) origins: Vec<String>,
    pub(super) methods: u8,
    pub(super) headers: Vec<String>,
    pub(super) credentials: bool,
    pub(super) max_age: Option<u32>,
    pub(super) expose: Vec<String>,
}

const ORIGINS: usize = 0;
const METHODS: usize = 1;
const HEADERS: usize = 2;
const CREDENTIALS: usize = 3;
const MAX_AGE: usize = 4;
const EXPOSE: usize = 5;
const INSECURE_LOCALHOST: usize = 6;
const KEYS: [&str; 7] = ["origins", "methods", "headers", "credentials", "max_age", "expose", "insecure_localhost"];

/// Checks every value; the checked policy if nothing was reported.
pub(super) fn check(cx: &Ctxt, fields: &[Field]) -> Option<Checked> {
    let mut by_key: [Option<&Field>; KEYS.len()] = [None; KEYS.len()];
    let mut order = Vec::new();
    for field in fields {
        let name = field.key.to_string();
        match KEYS.iter().position(|k| *k == name) {
            Some(i) if by_key[i].is_some() => cx.error(
                field.key.span(),
                format!("`{name}` is given twice"),
                "write each key once (a list takes several values: [\"a\", \"b\"])",
            ),
            Some(i) => {
                by_key[i] = Some(field);
                order.push(i);
            }
            None => cx.error(field.key.span(), format!("unknown key `{name}`"), unknown_key_help(&name)),
        }
    }
    // The origins' rules depend on these two; their own errors come in
    // source order with the others below.
    let flag = |i: usize| by_key[i].and_then(|f| boolean(&f.value)).unwrap_or(false);
    let (insecure_localhost, credentials) = (flag(INSECURE_LOCALHOST), flag(CREDENTIALS));
    if by_key[ORIGINS].is_none() {
        cx.error(Span::call_site(), "missing `origins`", PolicyError::NoOrigins.help());
    }
    if by_key[METHODS].is_none() {
        cx.error(Span::call_site(), "missing `methods`", PolicyError::NoMethods.help());
    }
    let mut policy = Checked {
        any_origin: false,
        origins: Vec::new(),
        methods: 0,
        headers: Vec::new(),
        credentials,
        max_age: None,
        expose: Vec::new(),
    };
    for (i, field) in order.into_iter().filter_map(|i| Some((i, by_key[i]?))) {
        match i {
            ORIGINS => (policy.any_origin, policy.origins) = origins(cx, field, insecure_localhost, credentials),
            METHODS => policy.methods = methods(cx, field),
            HEADERS => policy.headers = header_names(cx, field),
            EXPOSE => policy.expose = header_names(cx, field),
            MAX_AGE => policy.max_age = max_age(cx, field),
            _ => {
                if boolean(&field.value).is_none() {
                    let key = &field.key;
                    cx.error_on(
                        &field.value,
                        format!("`{key}` takes `true` or `false`"),
                        format!("write `{key}: true`"),
                    );
                }
            }
        }
    }
    (!cx.has_errors()).then_some(policy)
}

fn unknown_key_help(name: &str) -> String {
    let guess = match name {
        "origin" | "allow_origin" | "allow_origins" | "allowed_origins" => Some("origins"),
        "method" | "allow_methods" | "allowed_methods" => Some("methods"),
        "header" | "allow_headers" | "allowed_headers" => Some("headers"),
        "credential" | "allow_credentials" => Some("credentials"),
        "maxage" | "maxAge" | "max_age_secs" | "max_age_seconds" => Some("max_age"),
        "expose_headers" | "exposed_headers" => Some("expose"),
        "localhost" | "allow_localhost" | "insecure" => Some("insecure_localhost"),
        _ => None,
    };
    let keys = KEYS.join(", ");
    match guess {
        Some(key) => format!("write `{key}`; the keys are {keys}"),
        None => format!("the keys are {keys}"),
    }
}

/// The expression inside invisible groups (a `macro_rules!` fragment).
fn ungroup(expr: &Expr) -> &Expr {
    match expr {
        Expr::Group(g) => ungroup(&g.expr),
        Expr::Paren(p) => ungroup(&p.expr),
        other => other,
    }
}

fn boolean(value: &Expr) -> Option<bool> {
    match ungroup(value) {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Bool(b) => Some(b.value),
            _ => None,
        },
        _ => None,
    }
}

/// The value as a list, or an error saying how to write one.
fn list<'a>(cx: &Ctxt, field: &'a Field, example: &str) -> Option<&'a ExprArray> {
    match ungroup(&field.value) {
        Expr::Array(array) => Some(array),
        other => {
            cx.error_on(other, format!("`{}` takes a list", field.key), format!("write `{}: [{example}]`", field.key));
            None
        }
    }
}

/// The string literals of a list; anything else is an error on the element.
fn strings<'a>(cx: &Ctxt, field: &Field, array: &'a ExprArray) -> Vec<&'a LitStr> {
    let mut out = Vec::new();
    for element in &array.elems {
        match ungroup(element) {
            Expr::Lit(lit) if matches!(lit.lit, Lit::Str(_)) => {
                if let Lit::Str(s) = &lit.lit {
                    out.push(s);
                }
            }
            other => cx.error_on(
                other,
                format!("`{}` takes string literals", field.key),
                "write the value in quotes; values known only at run time go through \
                 `apishield::cors::CorsPolicy::builder()`, which checks the same rules",
            ),
        }
    }
    out
}

fn origins(cx: &Ctxt, field: &Field, insecure_localhost: bool, credentials: bool) -> (bool, Vec<String>) {
    let Some(array) = list(cx, field, "\"https://app.example.com\"") else { return (false, Vec::new()) };
    let literals = strings(cx, field, array);
    if array.elems.is_empty() {
        cx.error_on(array, PolicyError::NoOrigins.message(), PolicyError::NoOrigins.help());
    }
    let mut wildcard: Option<&LitStr> = None;
    let mut origins: Vec<String> = Vec::new();
    for literal in &literals {
        let origin = literal.value();
        match rules::check_origin(&origin, insecure_localhost) {
            Ok(OriginKind::Any) if wildcard.is_some() => duplicate(cx, literal.span(), &origin),
            Ok(OriginKind::Any) => wildcard = Some(literal),
            Ok(_) if origins.contains(&origin) => duplicate(cx, literal.span(), &origin),
            Ok(_) => origins.push(origin),
            Err(e) => cx.error(literal.span(), e.message(), e.help(&origin)),
        }
    }
    let Some(wildcard) = wildcard else { return (false, origins) };
    if credentials {
        let e = PolicyError::WildcardWithCredentials;
        cx.error(wildcard.span(), "the `*` origin together with `credentials: true`", e.help());
    }
    if array.elems.len() > 1 {
        let e = PolicyError::WildcardNotAlone;
        cx.error(wildcard.span(), e.message(), e.help());
    }
    (true, Vec::new())
}

fn duplicate(cx: &Ctxt, span: Span, value: &str) {
    let e = PolicyError::Duplicate;
    cx.error(span, format!("`{value}` is {}", e.message()), e.help());
}

fn methods(cx: &Ctxt, field: &Field) -> u8 {
    let Some(array) = list(cx, field, "GET, POST") else { return 0 };
    if array.elems.is_empty() {
        cx.error_on(array, PolicyError::NoMethods.message(), PolicyError::NoMethods.help());
    }
    let mut bits = 0u8;
    for element in &array.elems {
        let name = match ungroup(element) {
            Expr::Path(p) if p.qself.is_none() && p.path.get_ident().is_some() => p.path.get_ident(),
            Expr::Lit(lit) if matches!(lit.lit, Lit::Str(_)) => {
                let text = if let Lit::Str(s) = &lit.lit { s.value() } else { String::new() };
                cx.error_on(element, "methods are written as names", format!("write `{text}` without quotes"));
                continue;
            }
            _ => None,
        };
        let Some(name) = name else {
            cx.error_on(element, "not a method", "write method names: [GET, POST]");
            continue;
        };
        let text = name.to_string();
        match rules::check_method(&text) {
            Ok(bit) if bits & bit != 0 => duplicate(cx, name.span(), &text),
            Ok(bit) => bits |= bit,
            Err(e) => cx.error(name.span(), e.message(), e.help(&text)),
        }
    }
    bits
}

/// `headers` or `expose`: lower-cased names, each an RFC 9110 token.
fn header_names(cx: &Ctxt, field: &Field) -> Vec<String> {
    let Some(array) = list(cx, field, "\"Content-Type\"") else { return Vec::new() };
    let mut names: Vec<String> = Vec::new();
    for literal in strings(cx, field, array) {
        let name = literal.value();
        let lower = name.to_ascii_lowercase();
        match rules::check_header_name(&name) {
            Ok(()) if names.contains(&lower) => duplicate(cx, literal.span(), &name),
            Ok(()) => names.push(lower),
            Err(e) => cx.error(literal.span(), e.message(), e.help()),
        }
    }
    names
}

fn max_age(cx: &Ctxt, field: &Field) -> Option<u32> {
    let too_large = PolicyError::MaxAgeTooLarge;
    match ungroup(&field.value) {
        Expr::Lit(lit) if matches!(lit.lit, Lit::Int(_)) => {
            let Lit::Int(int) = &lit.lit else { return None };
            // An integer too large for u64 is too large, too.
            match int.base10_parse::<u64>().ok().map(rules::check_max_age) {
                Some(Ok(seconds)) => Some(seconds),
                _ => {
                    cx.error(int.span(), too_large.message(), too_large.help());
                    None
                }
            }
        }
        Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) => {
            cx.error_on(&field.value, "max_age is negative", "write a number of seconds in 0..=86400, e.g. 3600");
            None
        }
        other => {
            cx.error_on(
                other,
                "max_age takes a number of seconds",
                "write an integer literal in 0..=86400, e.g. `max_age: 3600`",
            );
            None
        }
    }
}
