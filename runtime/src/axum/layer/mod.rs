//! The tower layers, named as in tower-http: each module holds a layer
//! (`XxxLayer`, what `Router::layer` takes), its service (`Xxx<S>`, or
//! `SetXxx<S>` where `Xxx` names a value) and the service's
//! `ResponseFuture`.
//!
//! | Module | Layer | Service |
//! | --- | --- | --- |
//! | [`authentication`] | [`AuthenticationLayer`] | [`Authentication<S>`](Authentication) |
//! | [`rate_limit`] | [`RateLimitLayer`] | [`RateLimit<S>`](RateLimit) |
//! | [`cors`] | [`CorsLayer`] | [`Cors<S>`](Cors) |
//! | [`security_headers`] | [`SecurityHeadersLayer`] | [`SetSecurityHeaders<S>`](SetSecurityHeaders) |
//! | [`request_id`] | [`RequestIdLayer`] | [`SetRequestId<S>`](SetRequestId) |
//! | [`https`] | [`HttpsLayer`] | [`Https<S>`](Https) |
//!
//! From the outside in: request id, security headers, HTTPS, CORS, then
//! authentication, then the rate limit (in axum the layer added last runs
//! first); [`SafeDefaults`](super::SafeDefaults) stacks the first four.

pub mod authentication;
pub mod cors;
pub mod https;
pub mod rate_limit;
pub mod request_id;
pub mod safe_defaults;
pub mod security_headers;

pub use authentication::{
    AttemptRefused, AuthRejection, Authentication, AuthenticationLayer, CREDENTIAL_QUERY_PARAMS, FailedAuthLimit,
};
pub use cors::{Cors, CorsLayer};
pub use https::{Https, HttpsLayer};
pub use rate_limit::{Decided, RateLimit, RateLimitLayer};
pub use request_id::{RequestIdLayer, SetRequestId};
pub use safe_defaults::SafeDefaultsService;
pub use security_headers::{SecurityHeadersLayer, SetSecurityHeaders};
