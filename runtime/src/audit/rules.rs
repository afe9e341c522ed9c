//! The rules a [`Policy`](super::Policy) is made of, each a question about
//! one route: does it concern the route, and is the route at fault.

use super::view;
use crate::routing::{ResponseKind, RouteEntry};

/// One rule of a [`Policy`](super::Policy). Each is decided route by route
/// from what [`Routes`](crate::routing::Routes) recorded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// A route that needs a caller (a `Principal`, a role, a scope) is
    /// behind an `Authentication` layer, which makes that caller. Without
    /// one every request is 401: a role check with no principal source.
    AuthenticationLayer,
    /// No `#[public]` route under this prefix.
    NoPublicUnder(String),
    /// Every route under this prefix requires a role.
    RolesUnder(String),
    /// An authenticated route with a path parameter (and no role) checks the
    /// owner (`#[owned_by]` on the handler) or answers `Authorized<T>`.
    OwnerChecked,
    /// The `Authentication` layers accept only asymmetric JWT algorithms and
    /// lifetimes of at most 15 minutes.
    JwtAsymmetricShortLived,
    /// Every body and query string is read through a `#[secure_request]`
    /// type: bounded, validated, unknown fields refused.
    InputsBounded,
    /// No JSON answer of a type that nothing filters (axum's `Json<T>`).
    ResponsesFiltered,
    /// Every route is behind a `RateLimit` layer.
    RateLimited,
    /// Every `POST` and `PATCH` route is `#[idempotent]` (a webhook is
    /// deduplicated by its event id instead).
    MutationsIdempotent,
    /// A route whose path mentions `webhook` takes a `Verified<T>` payload.
    WebhooksVerified,
    /// Every route is behind the HTTPS layer.
    Https,
    /// Every route is behind [`Routes::safe_defaults`](crate::routing::Routes::safe_defaults),
    /// with HSTS, request ids and the checklist's security headers.
    SafeDefaults,
}

/// The longest JWT lifetime the checklist calls short.
pub(crate) const MAX_JWT_LIFETIME_SECS: u64 = 15 * 60;

/// The headers a route's answers need (`SafeDefaults` names them in lower case).
pub(crate) const REQUIRED_HEADERS: &[&str] =
    &["x-content-type-options", "x-frame-options", "content-security-policy", "cache-control"];

impl Rule {
    /// Its name in messages: `mutations_idempotent`.
    pub fn key(&self) -> &'static str {
        match self {
            Rule::AuthenticationLayer => "authentication_layer",
            Rule::NoPublicUnder(_) => "no_public_under",
            Rule::RolesUnder(_) => "roles_under",
            Rule::OwnerChecked => "owner_checked",
            Rule::JwtAsymmetricShortLived => "jwt_asymmetric_short_lived",
            Rule::InputsBounded => "inputs_bounded",
            Rule::ResponsesFiltered => "responses_filtered",
            Rule::RateLimited => "rate_limited",
            Rule::MutationsIdempotent => "mutations_idempotent",
            Rule::WebhooksVerified => "webhooks_verified",
            Rule::Https => "https",
            Rule::SafeDefaults => "safe_defaults",
        }
    }

    /// Whether the rule says anything about this route.
    pub(crate) fn concerns(&self, e: &RouteEntry) -> bool {
        match self {
            Rule::AuthenticationLayer => view::needs_caller(e),
            Rule::NoPublicUnder(prefix) | Rule::RolesUnder(prefix) => view::under(e, prefix),
            Rule::OwnerChecked => view::needs_caller(e) && view::has_path_parameter(e) && e.facts.roles.is_empty(),
            Rule::JwtAsymmetricShortLived => view::authentications(e).iter().any(Option::is_some),
            Rule::InputsBounded => view::reads_body_or_query(e),
            Rule::ResponsesFiltered => view::answers_json(e),
            Rule::RateLimited | Rule::Https | Rule::SafeDefaults => true,
            Rule::MutationsIdempotent => view::is_mutation(e) && !e.facts.webhook,
            Rule::WebhooksVerified => view::mentions(e, "webhook") || e.facts.webhook,
        }
    }

    /// What is wrong with the route, if anything.
    pub(crate) fn fault(&self, e: &RouteEntry) -> Option<String> {
        if !self.concerns(e) {
            return None;
        }
        match self {
            Rule::AuthenticationLayer => view::authentications(e)
                .is_empty()
                .then(|| "it needs a caller, and no Authentication layer around it makes one".to_owned()),
            Rule::NoPublicUnder(prefix) => view::public(e).then(|| format!("a public route under {prefix}")),
            Rule::RolesUnder(prefix) => e.facts.roles.is_empty().then(|| format!("no role required under {prefix}")),
            Rule::OwnerChecked => (!e.facts.owner_checked && !view::answers_authorized(e))
                .then(|| "a path parameter and no owner check".to_owned()),
            Rule::JwtAsymmetricShortLived => weak_jwt(e),
            Rule::InputsBounded => {
                let unbounded = view::unbounded_inputs(e);
                (!unbounded.is_empty()).then(|| format!("reads unbounded input: {}", unbounded.join(", ")))
            }
            Rule::ResponsesFiltered => (e.facts.response.kind == ResponseKind::UnfilteredJson)
                .then(|| format!("answers unfiltered JSON: {}", view::short_type_name(e.facts.response.type_name))),
            Rule::RateLimited => view::rate_limits(e).is_empty().then(|| "no RateLimit layer".to_owned()),
            Rule::MutationsIdempotent => {
                (!e.facts.idempotent).then(|| "a mutation that is not #[idempotent]".to_owned())
            }
            Rule::WebhooksVerified => {
                (!e.facts.webhook).then(|| "a webhook path whose handler takes no Verified<T>".to_owned())
            }
            Rule::Https => view::https(e).is_none().then(|| "no HTTPS layer".to_owned()),
            Rule::SafeDefaults => weak_defaults(e),
        }
    }

    /// How to put the route right.
    pub(crate) fn fix(&self, e: &RouteEntry) -> String {
        let exempt = format!(".exempt_from(Rule::{self:?}, \"{}\", \"{}\")", e.method, e.path);
        match self {
            Rule::AuthenticationLayer => {
                "add `.layer(AuthenticationLayer::new()..)` to the Routes after this route".to_owned()
            }
            Rule::NoPublicUnder(_) => "remove #[public] and take a Principal or #[requires_role(..)]".to_owned(),
            Rule::RolesUnder(_) => "add #[requires_role(\"admin\")] (or the role it needs) to the handler".to_owned(),
            Rule::OwnerChecked => {
                format!("add #[owned_by(<param>)] to the handler, answer Authorized<T>, or {exempt}")
            }
            Rule::JwtAsymmetricShortLived => {
                "validate with an asymmetric key (RS256, ES256, EdDSA) and .max_lifetime(15 min) or less".to_owned()
            }
            Rule::InputsBounded => {
                "read a #[secure_request] type: SecureJson<T> for a body, SecureQuery<T> for a query string".to_owned()
            }
            Rule::ResponsesFiltered => "answer SecureJson<T> of a #[secure_response] type, or Authorized<T>".to_owned(),
            Rule::RateLimited => format!("add `.layer(RateLimitLayer::new(..))` after this route, or {exempt}"),
            Rule::MutationsIdempotent => format!("add #[idempotent] or .exempt(\"{}\", \"{}\")", e.method, e.path),
            Rule::WebhooksVerified => "take Verified<T> behind a WebhookEndpoint".to_owned(),
            Rule::Https => "add the HTTPS layer after this route (it refuses or redirects plain HTTP)".to_owned(),
            Rule::SafeDefaults => {
                "call `.safe_defaults(SafeDefaults::new(cors! {..}))` after this route, HSTS and the checklist's \
                 headers on"
                    .to_owned()
            }
        }
    }
}

/// Symmetric algorithms or long lifetimes in a JWT `Authentication` layer.
fn weak_jwt(e: &RouteEntry) -> Option<String> {
    let mut problems = Vec::new();
    for jwt in view::authentications(e).into_iter().flatten() {
        let symmetric: Vec<_> = jwt.algorithms.iter().filter(|a| a.starts_with("HS")).copied().collect();
        if !symmetric.is_empty() {
            problems.push(format!("accepts symmetric JWTs ({})", symmetric.join(", ")));
        }
        if jwt.max_lifetime_secs > MAX_JWT_LIFETIME_SECS {
            problems.push(format!("accepts JWTs living up to {} s", jwt.max_lifetime_secs));
        }
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

fn weak_defaults(e: &RouteEntry) -> Option<String> {
    let Some(defaults) = view::defaults(e) else {
        return Some("no safe defaults (security headers, CORS, HSTS, request ids)".to_owned());
    };
    let mut missing: Vec<&str> = missing_headers(defaults.headers);
    if defaults.hsts.is_none() {
        missing.push("HSTS");
    }
    if !defaults.request_ids {
        missing.push("request ids");
    }
    (!missing.is_empty()).then(|| format!("safe defaults without {}", missing.join(", ")))
}

/// The checklist's headers absent from `headers`.
pub(crate) fn missing_headers(headers: &[String]) -> Vec<&'static str> {
    REQUIRED_HEADERS.iter().filter(|h| !headers.iter().any(|set| set.eq_ignore_ascii_case(h))).copied().collect()
}
