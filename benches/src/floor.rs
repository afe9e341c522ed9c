//! The floor of the safe defaults: the same answer on the wire, written by
//! hand with nothing to configure, for `stack_server`'s `floor_defaults`.
//!
//! What apishield's `SafeDefaults` costs over bare axum is partly the job
//! itself: twelve more response headers to insert and for hyper to write,
//! a request id to make and hand to the route, the HTTPS and CORS decisions.
//! This layer does exactly that job and nothing else (no configuration, no
//! span, no task-local id, a counter for an id, the policy's values as
//! constants), so `floor_defaults / bare` is what any layer with the same
//! output costs, and `defaults / floor_defaults` is apishield's own share.
//! It is not a usable layer: it refuses nothing but plain HTTP and trusts
//! the loopback peer as its proxy.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use axum::extract::{ConnectInfo, Request};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, AUTHORIZATION, CACHE_CONTROL, CONTENT_SECURITY_POLICY, ORIGIN, PRAGMA,
    REFERRER_POLICY, SERVER, STRICT_TRANSPORT_SECURITY, VARY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
    X_XSS_PROTECTION,
};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

/// The one origin the benchmark's CORS policy lists.
pub const ALLOWED_ORIGIN: &str = "https://app.example.com";

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The security headers of `SecurityHeaders::api()`, byte for byte.
/// Constants, so that no value is checked at run time.
const SECURITY_HEADERS: [(HeaderName, HeaderValue); 9] = [
    (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
    (X_FRAME_OPTIONS, HeaderValue::from_static("DENY")),
    (X_XSS_PROTECTION, HeaderValue::from_static("0")),
    (STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains; preload")),
    (CONTENT_SECURITY_POLICY, HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'")),
    (REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin")),
    (
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    ),
    (CACHE_CONTROL, HeaderValue::from_static("no-store, no-cache, must-revalidate, private")),
    (PRAGMA, HeaderValue::from_static("no-cache")),
];
const X_POWERED_BY: HeaderName = HeaderName::from_static("x-powered-by");
const VARY_ORIGIN: HeaderValue = HeaderValue::from_static("origin");

/// The request's id, in its extensions as `RequestId` would be.
#[derive(Clone, Debug)]
pub struct FloorId(pub HeaderValue);

/// The hand-written layer.
#[derive(Clone, Copy, Debug, Default)]
pub struct FloorLayer;

impl<S> Layer<S> for FloorLayer {
    type Service = Floor<S>;

    fn layer(&self, inner: S) -> Floor<S> {
        Floor { inner }
    }
}

/// The service of [`FloorLayer`].
#[derive(Clone, Debug)]
pub struct Floor<S> {
    inner: S,
}

impl<S> Service<Request> for Floor<S>
where
    S: Service<Request, Response = Response>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = S::Error;
    type Future = FloorFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let from_proxy = req.extensions().get::<ConnectInfo<SocketAddr>>().is_some_and(|c| c.0.ip().is_loopback());
        let https = from_proxy && req.headers().get("x-forwarded-proto").is_some_and(|v| v == "https");
        if !https {
            return FloorFuture::Refused;
        }
        let allowed = req.headers().get(ORIGIN).filter(|origin| *origin == ALLOWED_ORIGIN).cloned();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let id = HeaderValue::from(COUNTER.fetch_add(1, Ordering::Relaxed));
        req.headers_mut().insert(REQUEST_ID, id.clone());
        req.extensions_mut().insert(FloorId(id.clone()));
        FloorFuture::Route { future: self.inner.call(req), allowed, id: Some(id) }
    }
}

/// The future of [`Floor`].
#[derive(Debug)]
pub enum FloorFuture<F> {
    /// Plain HTTP.
    Refused,
    /// The route's answer, to which the headers are added.
    Route { future: F, allowed: Option<HeaderValue>, id: Option<HeaderValue> },
}

impl<F, E> Future for FloorFuture<F>
where
    F: Future<Output = Result<Response, E>> + Unpin,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            FloorFuture::Refused => Poll::Ready(Ok(StatusCode::FORBIDDEN.into_response())),
            FloorFuture::Route { future, allowed, id } => {
                let mut response = match Pin::new(future).poll(cx) {
                    Poll::Ready(Ok(response)) => response,
                    other => return other,
                };
                let headers = response.headers_mut();
                // Room for all of them at once. http's `reserve` sizes the
                // index to a power of two of which three quarters is usable.
                let len = headers.len();
                headers.reserve((len + SECURITY_HEADERS.len() + 3) * 4 / 3 + 1 - len);
                for (name, value) in SECURITY_HEADERS {
                    headers.insert(name, value);
                }
                headers.remove(SERVER);
                headers.remove(X_POWERED_BY);
                if let Some(origin) = allowed.take() {
                    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                }
                headers.insert(VARY, VARY_ORIGIN);
                if let Some(id) = id.take() {
                    headers.insert(REQUEST_ID, id);
                }
                Poll::Ready(Ok(response))
            }
        }
    }
}

/// The floor of authentication and a rate limit, for `floor_full`: the one
/// credential compared without early exit (what any check ends with), the
/// caller put in the request's extensions, one shared counter as the limit,
/// and the five rate-limit headers apishield sends. No store, no key
/// derivation, no per-caller budget: no real layer does less.
#[derive(Clone, Debug)]
pub struct FloorGuardLayer {
    authorization: Arc<[u8]>,
    caller: apishield::Principal,
}

impl FloorGuardLayer {
    /// Accepts exactly this `Authorization` value, as `caller`.
    pub fn new(authorization: &str, caller: apishield::Principal) -> Self {
        FloorGuardLayer { authorization: authorization.as_bytes().into(), caller }
    }
}

impl<S> Layer<S> for FloorGuardLayer {
    type Service = FloorGuard<S>;

    fn layer(&self, inner: S) -> FloorGuard<S> {
        FloorGuard { layer: self.clone(), inner }
    }
}

/// The service of [`FloorGuardLayer`].
#[derive(Clone, Debug)]
pub struct FloorGuard<S> {
    layer: FloorGuardLayer,
    inner: S,
}

const LIMIT: u64 = 1_000_000_000;
const LIMIT_NAME: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const REMAINING_NAME: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const RESET_NAME: HeaderName = HeaderName::from_static("x-ratelimit-reset");
const POLICY_NAME: HeaderName = HeaderName::from_static("ratelimit-policy");
const RATE_LIMIT_NAME: HeaderName = HeaderName::from_static("ratelimit");
const LIMIT_VALUE: HeaderValue = HeaderValue::from_static("1000000000");
const POLICY_VALUE: HeaderValue = HeaderValue::from_static("\"1s\";q=1000000000;w=1");

impl<S> Service<Request> for FloorGuard<S>
where
    S: Service<Request, Response = Response>,
    S::Future: Unpin,
{
    type Response = Response;
    type Error = S::Error;
    type Future = GuardFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let sent = req.headers().get(AUTHORIZATION).map_or(&[][..], HeaderValue::as_bytes);
        if !same_bytes(sent, &self.layer.authorization) {
            return GuardFuture::Refused;
        }
        req.extensions_mut().insert(self.layer.caller.clone());
        static SPENT: AtomicU64 = AtomicU64::new(0);
        let spent = SPENT.fetch_add(1, Ordering::Relaxed) % LIMIT;
        GuardFuture::Route { future: self.inner.call(req), remaining: LIMIT - spent - 1 }
    }
}

/// Equal bytes, by a fold without early exit (the compiler compares 16
/// bytes at a time).
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// The future of [`FloorGuard`].
#[derive(Debug)]
pub enum GuardFuture<F> {
    /// Not the credential.
    Refused,
    /// The route's answer, to which the rate-limit headers are added.
    Route { future: F, remaining: u64 },
}

impl<F, E> Future for GuardFuture<F>
where
    F: Future<Output = Result<Response, E>> + Unpin,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            GuardFuture::Refused => Poll::Ready(Ok(StatusCode::UNAUTHORIZED.into_response())),
            GuardFuture::Route { future, remaining } => {
                let mut response = match Pin::new(future).poll(cx) {
                    Poll::Ready(Ok(response)) => response,
                    other => return other,
                };
                let headers = response.headers_mut();
                let remaining = *remaining;
                headers.insert(LIMIT_NAME, LIMIT_VALUE);
                headers.insert(REMAINING_NAME, HeaderValue::from(remaining));
                headers.insert(RESET_NAME, HeaderValue::from(1u64));
                headers.insert(POLICY_NAME, POLICY_VALUE);
                let rate_limit = format!("\"1s\";r={remaining};t=1");
                if let Ok(value) = HeaderValue::try_from(rate_limit) {
                    headers.insert(RATE_LIMIT_NAME, value);
                }
                Poll::Ready(Ok(response))
            }
        }
    }
}
