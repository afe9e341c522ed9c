//! Reading a route's recorded facts: its layers' enforcements, its path,
//! and type names short enough for a table.

use crate::routing::{CorsFacts, Enforcement, InputSource, JwtFacts, ResponseKind, RouteAccess, RouteEntry};

/// `POST /orders`.
pub(crate) fn name(e: &RouteEntry) -> String {
    format!("{} {}", e.method, e.path)
}

fn enforcements(e: &RouteEntry) -> impl Iterator<Item = &Enforcement> {
    e.facts.layers.iter().filter_map(|l| l.enforces.as_ref())
}

/// The JWT settings of each `Authentication` layer around the route, `None`
/// for a layer without JWTs; empty without such a layer.
pub(crate) fn authentications(e: &RouteEntry) -> Vec<Option<&JwtFacts>> {
    enforcements(e)
        .filter_map(|x| match x {
            Enforcement::Authentication { jwt, .. } => Some(jwt.as_ref()),
            _ => None,
        })
        .collect()
}

/// Whether an `Authentication` layer around the route reads API keys.
pub(crate) fn api_keys(e: &RouteEntry) -> bool {
    enforcements(e).any(|x| matches!(x, Enforcement::Authentication { api_keys: true, .. }))
}

/// Whether an `Authentication` layer around the route throttles refused credentials.
pub(crate) fn failed_attempts_limited(e: &RouteEntry) -> bool {
    enforcements(e).any(|x| matches!(x, Enforcement::Authentication { failed_attempts_limited: true, .. }))
}

/// The `RateLimit-Policy` of each `RateLimit` layer around the route.
pub(crate) fn rate_limits(e: &RouteEntry) -> Vec<&str> {
    enforcements(e)
        .filter_map(|x| match x {
            Enforcement::RateLimit { policy } => Some(policy.as_str()),
            _ => None,
        })
        .collect()
}

/// The safe defaults around the route (the outermost, if several).
pub(crate) struct Defaults<'a> {
    pub(crate) cors: &'a CorsFacts,
    pub(crate) headers: &'a [String],
    pub(crate) hsts: Option<&'a str>,
    pub(crate) request_ids: bool,
    pub(crate) body_limit: usize,
}

pub(crate) fn defaults(e: &RouteEntry) -> Option<Defaults<'_>> {
    enforcements(e)
        .filter_map(|x| match x {
            Enforcement::SafeDefaults { cors, headers, hsts, request_ids, body_limit, .. } => Some(Defaults {
                cors,
                headers,
                hsts: hsts.as_deref(),
                request_ids: *request_ids,
                body_limit: *body_limit,
            }),
            _ => None,
        })
        .last()
}

/// What the HTTPS layer around the route does with plain HTTP.
pub(crate) fn https(e: &RouteEntry) -> Option<&'static str> {
    enforcements(e).find_map(|x| match x {
        Enforcement::Https { plain_http } => Some(*plain_http),
        _ => None,
    })
}

/// Registered through `Routes::public_router`: a plain axum router whose
/// handlers apishield did not see.
pub(crate) fn unchecked(e: &RouteEntry) -> bool {
    e.method == "*" && e.facts.handler == PLAIN_ROUTER
}

/// The handler name `Routes::public_router` records.
const PLAIN_ROUTER: &str = "(plain axum router)";

pub(crate) fn public(e: &RouteEntry) -> bool {
    e.facts.access == RouteAccess::Public
}

/// Authenticated by a caller (a `Principal`, a role or a scope), which an
/// `Authentication` layer must provide; a webhook is authenticated by its
/// signature instead.
pub(crate) fn needs_caller(e: &RouteEntry) -> bool {
    e.facts.access == RouteAccess::Authenticated && !(e.facts.webhook && e.facts.roles.is_empty())
}

/// `/orders/{id}`, `/files/{*path}`.
pub(crate) fn has_path_parameter(e: &RouteEntry) -> bool {
    e.path.contains('{')
}

/// Under `prefix`, segment-wise: `/admin` covers `/admin` and `/admin/users`,
/// not `/administrators`.
pub(crate) fn under(e: &RouteEntry, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    prefix.is_empty() || e.path == prefix || (e.path.starts_with(prefix) && e.path[prefix.len()..].starts_with('/'))
}

pub(crate) fn mentions(e: &RouteEntry, word: &str) -> bool {
    e.path.to_ascii_lowercase().contains(word)
}

/// The route answers `Authorized<T>`: an owned value after its check.
pub(crate) fn answers_authorized(e: &RouteEntry) -> bool {
    let authorized = generic_base(std::any::type_name::<crate::Authorized<()>>());
    e.facts.response.type_name.contains(authorized)
}

pub(crate) fn reads_body_or_query(e: &RouteEntry) -> bool {
    e.facts.inputs.iter().any(|i| matches!(i.source, InputSource::Body | InputSource::Query))
}

/// The unbounded inputs, by their short names.
pub(crate) fn unbounded_inputs(e: &RouteEntry) -> Vec<String> {
    e.facts.inputs.iter().filter(|i| !i.bounded).map(|i| short_type_name(i.extractor)).collect()
}

pub(crate) fn answers_json(e: &RouteEntry) -> bool {
    matches!(e.facts.response.kind, ResponseKind::Filtered | ResponseKind::UnfilteredJson)
}

pub(crate) fn is_mutation(e: &RouteEntry) -> bool {
    matches!(e.method.as_str(), "POST" | "PATCH")
}

pub(crate) fn is_idempotent_method_without_key(e: &RouteEntry) -> bool {
    matches!(e.method.as_str(), "PUT" | "DELETE") && !e.facts.idempotent && !e.facts.webhook
}

/// The error type of a handler returning `Result<T, E>`, if it does.
pub(crate) fn error_type(e: &RouteEntry) -> Option<&'static str> {
    let name = e.facts.response.type_name;
    let inner = name.strip_prefix(generic_base(std::any::type_name::<Result<(), ()>>()))?.strip_suffix('>')?;
    let mut depth = 0usize;
    let mut split = None;
    for (i, c) in inner.char_indices() {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => split = Some(i),
            _ => {}
        }
    }
    split.map(|i| inner[i + 1..].trim())
}

/// An error type whose answer apishield makes, or a bare status: nothing
/// of the handler's internals in the body.
pub(crate) fn generic_error_type(error: &str) -> bool {
    error.starts_with("apishield::") || error == std::any::type_name::<axum::http::StatusCode>()
}

/// `a::b::Type<` of `a::b::Type<()>`.
fn generic_base(name: &str) -> &str {
    name.find('<').map_or(name, |i| &name[..=i])
}

/// A Rust type name without its paths: `SecureJson<CreatePayment>` for
/// `apishield::axum::extract::SecureJson<my_api::CreatePayment>`.
pub(crate) fn short_type_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut segment = String::new();
    let mut chars = name.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            segment.clear();
        } else if c.is_alphanumeric() || c == '_' || c == '{' || c == '}' {
            segment.push(c);
        } else {
            out.push_str(&segment);
            segment.clear();
            out.push(c);
        }
    }
    out.push_str(&segment);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        assert_eq!(
            short_type_name("apishield::axum::SecureJson<my_api::orders::CreatePayment>"),
            "SecureJson<CreatePayment>"
        );
        assert_eq!(
            short_type_name("core::result::Result<(http::status::StatusCode, a::B<u8>), apishield::ApiError>"),
            "Result<(StatusCode, B<u8>), ApiError>"
        );
        assert_eq!(short_type_name("&str"), "&str");
    }
}
