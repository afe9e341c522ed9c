//! One call that stacks the layers every API wants, in the right order.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Extension};

use super::extract::{BodyLimit, DEFAULT_BODY_LIMIT};
use super::layer::{RequestIdLayer, SecurityHeadersLayer};
use crate::cors::CorsPolicy;
use crate::headers::SecurityHeaders;

/// The layers of [`SafeDefaults::apply`], configurable before they are
/// applied.
///
/// From the outside in, a request meets:
///
/// 1. [`RequestIdLayer`]: the request id, on the answer, the log span and
///    every `ApiError` body, even of requests the next layers refuse;
/// 2. [`SecurityHeaders::api`]: the reference's headers on every answer,
///    `Server` and `X-Powered-By` removed;
/// 3. the CORS layer of the policy: preflights are answered here, before
///    authentication (a browser's preflight carries no credentials);
/// 4. the body limit, 1 MiB unless set: for `SecureJson` ([`BodyLimit`]) and
///    for axum's own extractors (`DefaultBodyLimit`);
/// 5. the routes, with the layers the router already had, such as
///    [`AuthenticationLayer`](super::AuthenticationLayer) (which throttles refused
///    credentials by itself, see [`FailedAuthLimit`](super::FailedAuthLimit))
///    and [`RateLimitLayer`](super::RateLimitLayer).
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use apishield::axum::SafeDefaults;
/// use apishield::prelude::*;
/// use axum::{Router, routing::get};
///
/// let cors = cors! { origins: ["https://app.example.com"], methods: [GET, POST], headers: ["Authorization"] };
/// let app: Router = SafeDefaults::new(cors).apply(
///     Router::new().route("/orders", get(|| async { "[]" })),
///     // .layer(RateLimitLayer::new(..)).layer(AuthenticationLayer::new().jwt(..)) before this call
/// );
/// # let _ = app;
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct SafeDefaults {
    cors: CorsPolicy,
    headers: SecurityHeaders,
    request_id: RequestIdLayer,
    body_limit: usize,
}

impl SafeDefaults {
    /// The defaults with this CORS policy (from `cors!`, or
    /// [`CorsPolicy::builder`] for origins known at run time).
    pub fn new(cors: CorsPolicy) -> Self {
        SafeDefaults {
            cors,
            headers: SecurityHeaders::api(),
            request_id: RequestIdLayer::new(),
            body_limit: DEFAULT_BODY_LIMIT,
        }
    }

    /// Other security headers than [`SecurityHeaders::api`].
    #[must_use]
    pub fn security_headers(mut self, headers: SecurityHeaders) -> Self {
        self.headers = headers;
        self
    }

    /// Another request-id configuration.
    #[must_use]
    pub fn request_id(mut self, layer: RequestIdLayer) -> Self {
        self.request_id = layer;
        self
    }

    /// Bodies longer than `bytes` are refused (413).
    #[must_use]
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Stacks the layers on `router` (see the order above).
    pub fn apply<S>(self, router: Router<S>) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        router
            .layer(Extension(BodyLimit(self.body_limit)))
            .layer(DefaultBodyLimit::max(self.body_limit))
            .layer(self.cors.layer())
            .layer(SecurityHeadersLayer::new(self.headers))
            .layer(self.request_id)
    }
}
