//! The safe defaults' outer four layers (request id, security headers,
//! HTTPS, CORS) as one service with one response future.
//!
//! [`SafeDefaults`](crate::axum::SafeDefaults) stacks the same decisions as
//! `RequestIdLayer`, `SecurityHeadersLayer`, `HttpsLayer` and `CorsLayer`
//! would, in that order from the outside in, and they answer alike (tested
//! in `tests/layers`). One service instead of four: every layer's future
//! nested inside the next was polled, moved and converted to a `Response`
//! on every request, and the security headers were merged in a different
//! future than the one that had just decided whether the answer goes over
//! HTTPS.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use axum::extract::Request;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, VARY,
};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tower_service::Service;

use super::cors::{BeforeRoute, before_route};
use super::https::mark_plain;
use super::request_id::{Scope, answer_with_id, poll_in_request};
use super::security_headers::apply_to_answer;
use super::{CorsLayer, HttpsLayer, RequestIdLayer};
use crate::headers::SecurityHeaders;
use crate::headers::request_id::RequestId;

/// The decisions of the four layers, shared by every route's service.
pub(crate) struct Outer {
    pub(crate) request_id: RequestIdLayer,
    pub(crate) headers: SecurityHeaders,
    pub(crate) https: HttpsLayer,
    pub(crate) cors: CorsLayer,
    /// The security headers may be merged before the CORS headers are
    /// added: no header is both set or removed by the one and owned by the
    /// other, so the answer is the same as in the layers' order.
    headers_before_cors: bool,
}

impl Outer {
    pub(crate) fn new(
        request_id: RequestIdLayer,
        headers: SecurityHeaders,
        https: HttpsLayer,
        cors: CorsLayer,
    ) -> Self {
        let headers_before_cors =
            !headers.headers().map(|(name, _)| name).chain(headers.removed()).any(|name| CORS_OWNED.contains(name));
        Outer { request_id, headers, https, cors, headers_before_cors }
    }
}

/// The headers the CORS layer sets, removes or adds to.
const CORS_OWNED: [HeaderName; 4] =
    [ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_EXPOSE_HEADERS, VARY];

/// The service of [`SafeDefaultsLayer`](crate::axum::SafeDefaultsLayer)
/// around the body limits and the routes.
pub struct SafeDefaultsService<S> {
    outer: Arc<Outer>,
    inner: S,
}

impl<S> SafeDefaultsService<S> {
    pub(crate) fn new(outer: Arc<Outer>, inner: S) -> Self {
        SafeDefaultsService { outer, inner }
    }
}

impl<S: Clone> Clone for SafeDefaultsService<S> {
    fn clone(&self) -> Self {
        SafeDefaultsService { outer: Arc::clone(&self.outer), inner: self.inner.clone() }
    }
}

impl<S: fmt::Debug> fmt::Debug for SafeDefaultsService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SafeDefaultsService")
            .field("request_id", &self.outer.request_id)
            .field("https", &self.outer.https)
            .field("cors", &self.outer.cors)
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<S> Service<Request> for SafeDefaultsService<S>
where
    S: Service<Request>,
    S::Response: IntoResponse,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let outer = &*self.outer;
        let (mut id, span) = outer.request_id.begin(&mut req);
        let _entered = span.enter();
        let state = {
            let _scope = Scope::enter(&mut id);
            route(outer, &mut self.inner, req)
        };
        drop(_entered);
        ResponseFuture { state, id, span, outer: Arc::clone(&self.outer) }
    }
}

/// What the HTTPS and CORS layers decide before the route, in their order.
fn route<S>(outer: &Outer, inner: &mut S, req: Request) -> State<S::Future>
where
    S: Service<Request>,
{
    let https = outer.https.is_https(&req);
    if !https && let Some(refusal) = outer.https.refuse(&req) {
        return State::Answered { answer: Some(refusal) };
    }
    match before_route(outer.cors.shared(), &req) {
        BeforeRoute::Route { allowed } => State::Route { future: inner.call(req), allowed, https },
        BeforeRoute::Preflight(mut preflight) => {
            // Answered inside the HTTPS layer, as a route's answer is.
            if !https {
                mark_plain(&mut preflight);
            }
            State::Answered { answer: Some(preflight) }
        }
    }
}

pin_project! {
    /// The future of [`SafeDefaultsService`]: the route's answer with the
    /// CORS headers, the security headers and the request id.
    pub struct ResponseFuture<F> {
        #[pin]
        state: State<F>,
        id: Option<RequestId>,
        span: tracing::Span,
        outer: Arc<Outer>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        /// Refused over plain HTTP, or a preflight.
        Answered { answer: Option<Response> },
        Route { #[pin] future: F, allowed: Option<HeaderValue>, https: bool },
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").field("id", &self.id).finish_non_exhaustive()
    }
}

impl<F, R, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<R, E>>,
    R: IntoResponse,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let _entered = this.span.enter();
        let mut response = match this.state.project() {
            StateProj::Answered { answer } => {
                answer.take().unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
            }
            StateProj::Route { future, allowed, https } => {
                let mut response = ready!(poll_in_request(future, this.id, cx))?.into_response();
                if !*https {
                    mark_plain(&mut response);
                }
                let cors = this.outer.cors.shared();
                if this.outer.headers_before_cors {
                    // The security headers' map is made with room for the
                    // CORS headers and the id; the route's map, full with
                    // the rate limit's headers, would grow for them.
                    apply_to_answer(&this.outer.headers, &mut response);
                    cors.decorate(response.headers_mut(), allowed.take());
                } else {
                    cors.decorate(response.headers_mut(), allowed.take());
                    apply_to_answer(&this.outer.headers, &mut response);
                }
                answer_with_id(this.outer.request_id.header_name(), this.id, &mut response);
                return Poll::Ready(Ok(response));
            }
        };
        apply_to_answer(&this.outer.headers, &mut response);
        answer_with_id(this.outer.request_id.header_name(), this.id, &mut response);
        Poll::Ready(Ok(response))
    }
}
