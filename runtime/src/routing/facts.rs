//! What one route enforces: the facts its handler's arguments, its return
//! type and the layers around it give the audit.

use serde::Serialize;

use crate::request::RequestPolicy;

/// What one route (one method on one path) enforces. Made when the route is
/// registered ([`get`](super::get) and its siblings), completed by
/// [`Routes`](super::Routes) with the path and the layers.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct RouteFacts {
    /// The handler function, as Rust names it (`my_api::orders::get_order`).
    pub handler: &'static str,
    /// Who may call it: authenticated or declared public.
    pub access: RouteAccess,
    /// Roles required (`#[requires_role]`): the caller needs one of them.
    pub roles: Vec<&'static str>,
    /// Scopes required (`#[requires_scope]`): the caller needs all of them.
    pub scopes: Vec<&'static str>,
    /// An `#[owned_by]` check of a path parameter before the handler's code.
    pub owner_checked: bool,
    /// `#[idempotent]`: an `Idempotency-Key` is required and the handler runs once.
    pub idempotent: bool,
    /// A signed webhook (`Verified<T>`): authenticated by its signature.
    pub webhook: bool,
    /// What the handler reads from the request.
    pub inputs: Vec<Input>,
    /// What it answers with.
    pub response: Response,
    /// Layers around it, innermost first (by type name), and what they enforce.
    pub layers: Vec<LayerFact>,
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteAccess {
    /// An argument authenticates the caller (a `Principal`, a role or scope
    /// guard, a verified webhook).
    Authenticated,
    /// Declared public with `#[public]`, or registered with
    /// [`Routes::public_router`](super::Routes::public_router).
    Public,
}

/// One thing a handler reads from the request.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct Input {
    /// Where it comes from.
    pub source: InputSource,
    /// The extractor, as Rust names it.
    pub extractor: &'static str,
    /// The `#[secure_request]` type's policy, when the input is one: bounded
    /// and validated.
    #[serde(skip)]
    pub policy: Option<&'static RequestPolicy>,
    /// Whether every value of it is bounded (a `#[secure_request]` type, a
    /// path segment, a header map) or not (a raw `Json<T>`, `String`, `Bytes`).
    pub bounded: bool,
}

/// Where an input comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputSource {
    /// The body.
    Body,
    /// The query string.
    Query,
    /// Path parameters.
    Path,
    /// Headers, method, URI and other request parts.
    Parts,
}

/// What a handler answers with, from its return type.
#[derive(Debug, Clone, Serialize)]
pub struct Response {
    /// The return type, as Rust names it.
    pub type_name: &'static str,
    /// How its body is made.
    pub kind: ResponseKind,
}

/// How a response body is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseKind {
    /// Through `SecureJson` / `Authorized`: only the fields a
    /// `#[secure_response]` type lists, owned values only after their check.
    Filtered,
    /// A JSON body of any `Serialize` type (axum's `Json`): nothing filters it.
    UnfilteredJson,
    /// No JSON body (a status, text, a stream, a response built by hand).
    Other,
}

impl Response {
    /// The kind of a return type, from its name: apishield's responses are
    /// `SecureJson`/`Authorized`, axum's unfiltered one is `Json`.
    pub(crate) fn of<T>() -> Response {
        let type_name = std::any::type_name::<T>();
        let filtered =
            [std::any::type_name::<crate::axum::SecureJson<()>>(), std::any::type_name::<crate::Authorized<()>>()]
                .iter()
                .any(|name| type_name.contains(generic_base(name)));
        let kind = if filtered {
            ResponseKind::Filtered
        } else if type_name.contains(generic_base(std::any::type_name::<axum::Json<()>>())) {
            ResponseKind::UnfilteredJson
        } else {
            ResponseKind::Other
        };
        Response { type_name, kind }
    }
}

/// `a::b::Type<` of `a::b::Type<()>`.
fn generic_base(name: &str) -> &str {
    name.find('<').map_or(name, |i| &name[..=i])
}

/// A layer around a route, and what it enforces.
#[derive(Debug, Clone, Serialize)]
#[non_exhaustive]
pub struct LayerFact {
    /// The layer's type, as Rust names it.
    pub type_name: &'static str,
    /// What it enforces, when it is one of apishield's.
    pub enforces: Option<Enforcement>,
}

/// What one of apishield's layers enforces on the routes it wraps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum Enforcement {
    /// Reads credentials into a `Principal`.
    Authentication {
        /// Bearer JWTs are accepted, with these settings.
        jwt: Option<JwtFacts>,
        /// API keys are accepted.
        api_keys: bool,
        /// Refused credentials are throttled.
        failed_attempts_limited: bool,
    },
    /// A rate limit per caller or client address.
    RateLimit {
        /// The `RateLimit-Policy` of the default limiter.
        policy: String,
    },
    /// CORS, security headers, request ids and the body limit
    /// ([`Routes::safe_defaults`](super::Routes::safe_defaults)).
    SafeDefaults {
        /// The CORS policy.
        cors: CorsFacts,
        /// The security headers set on every answer (names).
        headers: Vec<String>,
        /// The `Strict-Transport-Security` value, if HSTS is on.
        hsts: Option<String>,
        /// Headers removed from every answer (`Server`, `X-Powered-By`).
        removed: Vec<String>,
        /// Request ids on every answer, log line and error body.
        request_ids: bool,
        /// The largest request body, in bytes.
        body_limit: usize,
    },
    /// Plain HTTP refused or redirected, HSTS only on HTTPS answers.
    Https {
        /// `refuse` or `redirect`.
        plain_http: &'static str,
    },
}

/// A CORS policy, for the audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CorsFacts {
    /// The allowed origins (`*` for any).
    pub origins: Vec<String>,
    /// Whether credentials are allowed.
    pub credentials: bool,
    /// The allowed methods.
    pub methods: Vec<&'static str>,
}

impl CorsFacts {
    pub(crate) fn of(policy: &crate::cors::CorsPolicy) -> CorsFacts {
        let origins = if policy.allows_any_origin() {
            vec!["*".to_owned()]
        } else {
            policy.origins().map(str::to_owned).collect()
        };
        CorsFacts { origins, credentials: policy.credentials(), methods: policy.methods().collect() }
    }
}

/// The JWT settings an `Authentication` layer validates with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct JwtFacts {
    /// The accepted issuers, the home one first.
    pub issuers: Vec<String>,
    /// The accepted algorithms.
    pub algorithms: Vec<&'static str>,
    /// The longest accepted lifetime, `exp - iat`, in seconds.
    pub max_lifetime_secs: u64,
}

impl RouteFacts {
    pub(crate) fn new<H, Output>(access: Option<bool>) -> RouteFacts {
        RouteFacts {
            handler: std::any::type_name::<H>(),
            access: if access == Some(false) { RouteAccess::Public } else { RouteAccess::Authenticated },
            roles: Vec::new(),
            scopes: Vec::new(),
            owner_checked: false,
            idempotent: false,
            webhook: false,
            inputs: Vec::new(),
            response: Response::of::<Output>(),
            layers: Vec::new(),
        }
    }

    /// Whether a layer around the route rate-limits it.
    pub fn rate_limited(&self) -> bool {
        self.layers.iter().any(|l| matches!(l.enforces, Some(Enforcement::RateLimit { .. })))
    }

    /// Whether every input is bounded.
    pub fn inputs_bounded(&self) -> bool {
        self.inputs.iter().all(|i| i.bounded)
    }

    pub(crate) fn input(&mut self, source: InputSource, extractor: &'static str, bounded: bool) {
        self.inputs.push(Input { source, extractor, policy: None, bounded });
    }

    pub(crate) fn secure_input(
        &mut self,
        source: InputSource,
        extractor: &'static str,
        policy: &'static RequestPolicy,
    ) {
        self.inputs.push(Input { source, extractor, policy: Some(policy), bounded: true });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_kinds_from_return_types() {
        assert_eq!(Response::of::<crate::axum::SecureJson<u8>>().kind, ResponseKind::Filtered);
        assert_eq!(
            Response::of::<Result<(axum::http::StatusCode, crate::Authorized<u8>), crate::axum::ApiError>>().kind,
            ResponseKind::Filtered
        );
        assert_eq!(Response::of::<axum::Json<u8>>().kind, ResponseKind::UnfilteredJson);
        assert_eq!(Response::of::<&'static str>().kind, ResponseKind::Other);
    }
}
