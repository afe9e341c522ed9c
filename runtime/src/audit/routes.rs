//! The per-route table: what each route enforces, in a few words.

use super::view;
use crate::routing::{InputSource, ResponseKind, RouteEntry};

/// One route of the audit's per-route table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RouteRow {
    /// `GET`, `POST`, ... (`*`: a plain axum router or the fallback).
    pub method: String,
    /// The path as registered.
    pub path: String,
    /// The handler function.
    pub handler: &'static str,
    /// Declared public (`#[public]`), else authenticated.
    pub public: bool,
    /// Authenticated by a webhook signature (`Verified<T>`).
    pub webhook: bool,
    /// Roles required (any one).
    pub roles: Vec<&'static str>,
    /// Scopes required (all).
    pub scopes: Vec<&'static str>,
    /// `#[owned_by]` on the handler.
    pub owner_checked: bool,
    /// `#[idempotent]`.
    pub idempotent: bool,
    /// Behind a `RateLimit` layer.
    pub rate_limited: bool,
    /// What it reads, short type names.
    pub inputs: Vec<InputRow>,
    /// Its return type, short.
    pub response: String,
    /// How its body is made: `filtered`, `unfiltered_json`, `other`.
    pub response_kind: &'static str,
    /// The layers around it, innermost first, short type names.
    pub layers: Vec<String>,
}

/// One input of a route.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct InputRow {
    /// `body`, `query`, `path`, `parts`.
    pub source: &'static str,
    /// The extractor, short (`SecureJson<CreatePayment>`).
    pub extractor: String,
    /// The `#[secure_request]` type read, if it is one.
    pub request_type: Option<&'static str>,
    /// Bounded and validated.
    pub bounded: bool,
}

impl RouteRow {
    pub(crate) fn of(e: &RouteEntry) -> RouteRow {
        RouteRow {
            method: e.method.clone(),
            path: e.path.clone(),
            handler: e.facts.handler,
            public: view::public(e),
            webhook: e.facts.webhook,
            roles: e.facts.roles.clone(),
            scopes: e.facts.scopes.clone(),
            owner_checked: e.facts.owner_checked,
            idempotent: e.facts.idempotent,
            rate_limited: e.facts.rate_limited(),
            inputs: e
                .facts
                .inputs
                .iter()
                .map(|i| InputRow {
                    source: source(i.source),
                    extractor: view::short_type_name(i.extractor),
                    request_type: i.policy.map(|p| p.type_name()),
                    bounded: i.bounded,
                })
                .collect(),
            response: view::short_type_name(e.facts.response.type_name),
            response_kind: match e.facts.response.kind {
                ResponseKind::Filtered => "filtered",
                ResponseKind::UnfilteredJson => "unfiltered_json",
                ResponseKind::Other => "other",
            },
            layers: e.facts.layers.iter().map(|l| view::short_type_name(l.type_name)).collect(),
        }
    }

    /// `public`, `signed` (a webhook), `auth`, or what an authenticated
    /// caller needs: `role admin|support`, `scope orders:write`.
    pub fn access(&self) -> String {
        let mut parts = Vec::new();
        if !self.roles.is_empty() {
            parts.push(format!("role {}", self.roles.join("|")));
        }
        if !self.scopes.is_empty() {
            parts.push(format!("scope {}", self.scopes.join("+")));
        }
        if !parts.is_empty() {
            parts.join(", ")
        } else if self.public {
            "public".to_owned()
        } else if self.webhook {
            "signed".to_owned()
        } else {
            "auth".to_owned()
        }
    }

    /// `O` owner-checked, `I` idempotent, `R` rate limited, `-` where not:
    /// `-IR`.
    pub fn checks(&self) -> String {
        [(self.owner_checked, 'O'), (self.idempotent, 'I'), (self.rate_limited, 'R')]
            .iter()
            .map(|&(on, c)| if on { c } else { '-' })
            .collect()
    }

    /// The body and query inputs: a request type's name when bounded, the
    /// extractor marked `!` when not; `-` for none.
    pub fn input_summary(&self) -> String {
        let parts: Vec<String> = self
            .inputs
            .iter()
            .filter(|i| matches!(i.source, "body" | "query"))
            .map(|i| match (i.request_type, i.bounded) {
                (Some(name), _) => name.to_owned(),
                (None, true) => i.extractor.clone(),
                (None, false) => format!("!{}", i.extractor),
            })
            .collect();
        if parts.is_empty() { "-".to_owned() } else { parts.join(", ") }
    }

    /// What the response carries: for a filtered one the payload type
    /// (`Payment`, `Authorized<Order>`), else the return type, marked `!`
    /// when it is unfiltered JSON; a `Result`'s error type is left out.
    pub fn response_summary(&self) -> String {
        let ok = strip_generic(&self.response, "Result<").map_or(self.response.as_str(), |args| first_arg(args));
        match self.response_kind {
            "unfiltered_json" => format!("!{ok}"),
            "filtered" => {
                let ok = ok.strip_prefix("(StatusCode, ").and_then(|t| t.strip_suffix(')')).unwrap_or(ok);
                strip_generic(ok, "SecureJson<").unwrap_or(ok).to_owned()
            }
            _ => ok.to_owned(),
        }
    }
}

/// `T` of `Name<T>`.
fn strip_generic<'a>(name: &'a str, base: &str) -> Option<&'a str> {
    name.strip_prefix(base)?.strip_suffix('>')
}

/// The first of comma-separated generic arguments.
fn first_arg(args: &str) -> &str {
    let mut depth = 0usize;
    for (i, c) in args.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => return &args[..i],
            _ => {}
        }
    }
    args
}

fn source(source: InputSource) -> &'static str {
    match source {
        InputSource::Body => "body",
        InputSource::Query => "query",
        InputSource::Path => "path",
        InputSource::Parts => "parts",
    }
}
