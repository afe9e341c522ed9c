//! The CORS layer: preflights are answered here; other answers get the CORS
//! headers for a listed origin, and none for any other origin. The
//! decisions are [`CorsHeaders`]'.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use axum::body::Body;
use axum::http::header::{ORIGIN, VARY};
use axum::http::{HeaderMap, HeaderValue, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::axum::ApiError;
use crate::cors::{CorsHeaders, CorsPolicy, PREFLIGHT_VARY, PreflightRefusal};
use crate::telemetry::{self, CorsRequest};

/// Serves a [`CorsPolicy`]:
///
/// | Request | Answer |
/// | --- | --- |
/// | no `Origin` | the route's, with `Vary: Origin` (so a cache never serves it to a page of another origin) |
/// | a listed `Origin` (byte-exact; or any, for `*`) | the route's, with `Access-Control-Allow-Origin` (that origin, or `*`), `Access-Control-Allow-Credentials: true` if configured, `Access-Control-Expose-Headers` if configured, `Vary: Origin` |
/// | any other `Origin` (unlisted, `null`, other case, sent twice) | the route's, without CORS headers (the route still runs: same-origin requests carry `Origin` too; the browser keeps the answer from the page) |
/// | preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`): listed origin, allowed method, every requested header allowed | 204 with `Access-Control-Allow-Origin`, `-Allow-Methods`, `-Allow-Headers`, `-Max-Age`, `-Allow-Credentials` as configured; the route does not run |
/// | any other preflight | 403 problem+json (`cors_preflight_denied`) without CORS headers; the route does not run |
///
/// Browsers fail a refused preflight the same way whether it is answered 403
/// or 200 without CORS headers (tower-http's choice); the 403 makes the
/// refusal visible in logs and developer tools. The reason goes to the log
/// at debug level. The layer owns the CORS response headers: on answers to
/// unlisted origins it removes any `Access-Control-Allow-Origin`,
/// `-Allow-Credentials` and `-Expose-Headers` a route set.
///
/// ```
/// use apishield::prelude::*;
/// use axum::{Router, routing::get};
///
/// let app: Router = Router::new()
///     .route("/orders", get(|| async { "[]" }))
///     .layer(cors! { origins: ["https://app.example.com"], methods: [GET] }.layer());
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct CorsLayer {
    shared: Arc<CorsHeaders>,
}

impl CorsLayer {
    /// The layer serving `policy`.
    pub fn new(policy: &CorsPolicy) -> Self {
        CorsLayer { shared: Arc::new(CorsHeaders::new(policy)) }
    }

    /// The policy served.
    pub fn policy(&self) -> &CorsPolicy {
        self.shared.policy()
    }

    /// The decisions, shared with every service of the layer.
    pub(crate) fn shared(&self) -> &Arc<CorsHeaders> {
        &self.shared
    }
}

impl CorsPolicy {
    /// The layer serving this policy (feature `axum`).
    pub fn layer(&self) -> CorsLayer {
        CorsLayer::new(self)
    }
}

impl From<CorsPolicy> for CorsLayer {
    fn from(policy: CorsPolicy) -> Self {
        CorsLayer::new(&policy)
    }
}

impl fmt::Debug for CorsLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsLayer").field("policy", self.shared.policy()).finish()
    }
}

/// The answer to a preflight: 204 with the CORS headers, or 403
/// problem+json without them.
fn preflight(shared: &CorsHeaders, headers: &HeaderMap) -> Response {
    match shared.preflight(headers) {
        Ok(cors) => {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::NO_CONTENT;
            *response.headers_mut() = cors;
            response
        }
        Err(refusal) => {
            let reason = match refusal {
                PreflightRefusal::Origin => "origin",
                PreflightRefusal::Method => "method",
                PreflightRefusal::Header => "header",
            };
            telemetry::cors_refusal(CorsRequest::Preflight, reason);
            let mut response = ApiError::with_status(StatusCode::FORBIDDEN, "cors_preflight_denied").into_response();
            response.headers_mut().insert(VARY, PREFLIGHT_VARY);
            response
        }
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = Cors<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Cors { shared: Arc::clone(&self.shared), inner }
    }
}

/// The service of the [`CorsLayer`]: answers preflights, and puts the CORS
/// headers on the route's answers.
#[derive(Clone)]
pub struct Cors<S> {
    shared: Arc<CorsHeaders>,
    inner: S,
}

impl<S: fmt::Debug> fmt::Debug for Cors<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cors").field("policy", self.shared.policy()).field("inner", &self.inner).finish()
    }
}

impl<S, B> Service<Request<B>> for Cors<S>
where
    S: Service<Request<B>>,
    S::Response: IntoResponse,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let allowed = match before_route(&self.shared, &req) {
            BeforeRoute::Route { allowed } => allowed,
            BeforeRoute::Preflight(answer) => {
                return ResponseFuture { state: State::Preflight { answer: Some(answer) } };
            }
        };
        let future = self.inner.call(req);
        ResponseFuture { state: State::Route { future, allowed: Some(allowed), shared: Arc::clone(&self.shared) } }
    }
}

/// What CORS decides before the route.
pub(crate) enum BeforeRoute {
    /// A preflight, answered here.
    Preflight(Response),
    /// To the route; its answer allows this origin, if any.
    Route { allowed: Option<HeaderValue> },
}

pub(crate) fn before_route<B>(shared: &CorsHeaders, req: &Request<B>) -> BeforeRoute {
    let headers = req.headers();
    if CorsHeaders::is_preflight(req.method(), headers) {
        return BeforeRoute::Preflight(preflight(shared, headers));
    }
    let allowed = shared.allowed_origin(headers);
    if allowed.is_none() && headers.contains_key(ORIGIN) {
        telemetry::cors_refusal(CorsRequest::Simple, "origin");
    }
    BeforeRoute::Route { allowed }
}

pin_project! {
    /// The future of [`Cors`]: a preflight's answer, or the route's with the
    /// CORS headers.
    pub struct ResponseFuture<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        Preflight { answer: Option<Response> },
        Route { #[pin] future: F, allowed: Option<Option<HeaderValue>>, shared: Arc<CorsHeaders> },
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F, R, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<R, E>>,
    R: IntoResponse,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Preflight { answer } => {
                Poll::Ready(Ok(answer.take().unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())))
            }
            StateProj::Route { future, allowed, shared } => {
                let mut response = ready!(future.poll(cx))?.into_response();
                shared.decorate(response.headers_mut(), allowed.take().flatten());
                Poll::Ready(Ok(response))
            }
        }
    }
}
