//! The axum integration (feature `axum`): extractors that validate, responses
//! that filter, and errors that say nothing they should not.
//!
//! * [`SecureJson<T>`] extracts a `#[secure_request]` body (content type,
//!   size limit, validation) and, as a response, serializes a
//!   [`Public`](crate::Public) value;
//! * [`SecureQuery<T>`] extracts a `#[secure_request(query)]` type;
//! * [`AuthenticationLayer`] reads `Authorization` (a bearer
//!   JWT or an API key), refuses credentials in query strings and throttles
//!   refused credentials ([`FailedAuthLimit`]);
//!   [`Principal`](crate::Principal) is extracted from the request's
//!   extensions, where it put it (401 if it did not);
//! * [`Verified<T>`](crate::webhook::Verified) is a webhook payload whose
//!   signature, timestamp and novelty the [`WebhookEndpoint`] of the route's
//!   state checked before the handler runs;
//! * [`RateLimitLayer`] applies a
//!   [`RateLimiter`](crate::rate_limit::RateLimiter) per principal or client
//!   address and puts the decision's headers on every answer;
//! * [`CorsLayer`] serves a [`CorsPolicy`](crate::cors::CorsPolicy) (from
//!   `cors!`; [`CorsPolicy::layer`](crate::cors::CorsPolicy::layer)),
//!   [`SecurityHeadersLayer`] a [`SecurityHeaders`](crate::headers::SecurityHeaders)
//!   set, and [`RequestIdLayer`] gives every request its id;
//!   [`layer`] has every layer with its service and response future;
//! * [`HttpsLayer`] refuses (or redirects) plain HTTP, reading the
//!   protocol only from trusted proxies, and keeps HSTS off plain answers;
//! * [`SafeDefaults`] stacks request ids, security headers, HTTPS, CORS and
//!   the body limit on a router in one call;
//! * [`IdempotencyKey`] and [`Idempotency`] are what `#[idempotent]`
//!   handlers run on ([`idempotency`]);
//! * [`extract::RevocationRequest`] and [`extract::revoke_token`] (feature
//!   `jwt`) are an RFC 7009 revocation endpoint for the
//!   [token lifecycle](crate::auth::token); [`AuthenticationLayer::token_cookie`]
//!   reads access tokens from `__Host-` cookies, CSRF-checked;
//! * [`ApiError`] is an RFC 9457 `application/problem+json` response with a
//!   generic message; causes go to the logs, never to the client.
//!
//! Layout: [`extract`] (one module per extractor), [`layer`] (one module
//! per tower layer: layer, service, response future), [`idempotency`]
//! (the `#[idempotent]` flow), `error` ([`ApiError`]) and `response` (the
//! `IntoResponse` impls of [`SecureJson`] and [`Authorized`](crate::Authorized)).
//! The domain modules (`request`, `auth`, `webhook`, ...) hold no axum
//! code; what needs only `http` types stays there, behind the `http`
//! feature.

mod defaults;
mod error;
pub mod extract;
pub mod idempotency;
pub mod layer;
mod response;

pub use defaults::{SafeDefaults, SafeDefaultsLayer, SecureStackLayer};
pub use error::ApiError;
pub use extract::{
    BodyLimit, DEFAULT_BODY_LIMIT, SecureJson, SecureJsonRejection, SecureQuery, SecureQueryRejection, WebhookEndpoint,
    WebhookRejection,
};
pub use idempotency::{Idempotency, IdempotencyKey};
pub use layer::{
    AttemptRefused, AuthRejection, AuthenticationLayer, CREDENTIAL_QUERY_PARAMS, CorsLayer, Decided, FailedAuthLimit,
    HttpsLayer, RateLimitLayer, RequestIdLayer, SecurityHeadersLayer,
};
