//! One call that stacks the layers every API wants, in the right order.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Extension};

use super::extract::{BodyLimit, DEFAULT_BODY_LIMIT};
use tower_layer::{Layer, Stack};

use std::fmt;
use std::sync::Arc;

use super::layer::safe_defaults::{Outer, SafeDefaultsService};
use super::layer::{AuthenticationLayer, HttpsLayer, RateLimitLayer, RequestIdLayer};
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
///    `Server` and `X-Powered-By` removed, HSTS only over HTTPS;
/// 3. [`HttpsLayer`]: plain HTTP refused (403 `https_required`) unless
///    configured otherwise ([`https`](Self::https): TLS here, trusted
///    proxies, a redirect, plain loopback for development);
/// 4. the CORS layer of the policy: preflights are answered here, before
///    authentication (a browser's preflight carries no credentials);
/// 5. the body limit, 1 MiB unless set: for `SecureJson` ([`BodyLimit`]) and
///    for axum's own extractors (`DefaultBodyLimit`);
/// 6. the routes, with the layers the router already had, such as
///    [`AuthenticationLayer`](super::AuthenticationLayer) (which throttles refused
///    credentials by itself, see [`FailedAuthLimit`](super::FailedAuthLimit))
///    and [`RateLimitLayer`](super::RateLimitLayer).
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use apishield::axum::{HttpsLayer, SafeDefaults};
/// use apishield::prelude::*;
/// use axum::{Router, routing::get};
///
/// let cors = cors! { origins: ["https://app.example.com"], methods: [GET, POST], headers: ["Authorization"] };
/// // Served over plain http://localhost while developing; in production
/// // `HttpsLayer::new().tls_terminated_here()` or `.trusted_proxies(..)`.
/// let app: Router = SafeDefaults::new(cors).https(HttpsLayer::new().allow_plain_loopback()).apply(
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
    https: HttpsLayer,
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
            https: HttpsLayer::new(),
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

    /// How plain HTTP is told and answered (default [`HttpsLayer::new`]:
    /// every plain-HTTP request refused until TLS is configured, here or
    /// on trusted proxies; `HttpsLayer::new().allow_plain_loopback()` for
    /// development over `http://localhost`).
    #[must_use]
    pub fn https(mut self, https: HttpsLayer) -> Self {
        self.https = https;
        self
    }

    /// Bodies longer than `bytes` are refused (413).
    #[must_use]
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// What these defaults enforce, for the audit.
    pub(crate) fn enforcement(&self) -> crate::routing::Enforcement {
        let hsts = axum::http::header::STRICT_TRANSPORT_SECURITY;
        crate::routing::Enforcement::SafeDefaults {
            cors: crate::routing::CorsFacts::of(&self.cors),
            headers: self.headers.headers().map(|(name, _)| name.as_str().to_owned()).collect(),
            hsts: self
                .headers
                .headers()
                .find(|(name, _)| **name == hsts)
                .and_then(|(_, v)| v.to_str().ok())
                .map(str::to_owned),
            removed: self.headers.removed().map(|name| name.as_str().to_owned()).collect(),
            request_ids: true,
            body_limit: self.body_limit,
        }
    }

    /// The HTTPS layer's enforcement, for the audit.
    pub(crate) fn https_enforcement(&self) -> crate::routing::Enforcement {
        self.https.enforcement()
    }

    /// Stacks the layers on `router` (see the order above).
    pub fn apply<S>(self, router: Router<S>) -> Router<S>
    where
        S: Clone + Send + Sync + 'static,
    {
        // One `Router::layer` call for the whole stack: axum boxes and
        // clones every route once per call, so six calls cost six boxed
        // services per request where one suffices.
        router.layer(self.into_layer())
    }

    /// The whole stack as one tower layer, outermost first as listed
    /// above: for a `ServiceBuilder` or anything else that takes a layer.
    /// The request id, security headers, HTTPS and CORS layers run as one
    /// service with one response future (the same decisions as the four
    /// layers stacked, without four futures nested per request).
    pub fn into_layer(self) -> SafeDefaultsLayer {
        let limits = Stack::new(Extension(BodyLimit(self.body_limit)), DefaultBodyLimit::max(self.body_limit));
        let outer = Outer::new(self.request_id, self.headers, self.https, self.cors.layer());
        SafeDefaultsLayer { outer: Arc::new(outer), limits }
    }
}

impl SafeDefaults {
    /// The recommended stack as one tower layer: these defaults around
    /// `authentication` around `rate_limit` (the order of
    /// `.layer(rate_limit).layer(authentication)` and then the defaults),
    /// composed so that axum boxes the routes once instead of three times
    /// (one `Router::layer` call). [`Routes::secure_stack`](crate::routing::Routes::secure_stack)
    /// applies it and records all three for the audit.
    pub fn around(self, authentication: AuthenticationLayer, rate_limit: RateLimitLayer) -> SecureStackLayer {
        SecureStackLayer { stack: Stack::new(Stack::new(rate_limit, authentication), self.into_layer()) }
    }
}

type Limits = Stack<Extension<BodyLimit>, DefaultBodyLimit>;

/// [`SafeDefaults::around`]: the defaults, authentication and a rate limit
/// as one tower layer.
#[derive(Debug, Clone)]
pub struct SecureStackLayer {
    stack: Stack<Stack<RateLimitLayer, AuthenticationLayer>, SafeDefaultsLayer>,
}

impl<S> Layer<S> for SecureStackLayer
where
    Stack<Stack<RateLimitLayer, AuthenticationLayer>, SafeDefaultsLayer>: Layer<S>,
{
    type Service = <Stack<Stack<RateLimitLayer, AuthenticationLayer>, SafeDefaultsLayer> as Layer<S>>::Service;

    fn layer(&self, inner: S) -> Self::Service {
        self.stack.layer(inner)
    }
}

/// [`SafeDefaults`] as one tower layer ([`SafeDefaults::into_layer`]).
#[derive(Clone)]
pub struct SafeDefaultsLayer {
    outer: Arc<Outer>,
    limits: Limits,
}

impl fmt::Debug for SafeDefaultsLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SafeDefaultsLayer")
            .field("request_id", &self.outer.request_id)
            .field("https", &self.outer.https)
            .field("cors", &self.outer.cors)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl<S> Layer<S> for SafeDefaultsLayer
where
    Limits: Layer<S>,
{
    type Service = SafeDefaultsService<<Limits as Layer<S>>::Service>;

    fn layer(&self, inner: S) -> Self::Service {
        SafeDefaultsService::new(Arc::clone(&self.outer), self.limits.layer(inner))
    }
}
