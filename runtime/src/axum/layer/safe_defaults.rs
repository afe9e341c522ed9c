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
use axum::http::header::{ORIGIN, STRICT_TRANSPORT_SECURITY};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tower_service::Service;

use super::cors::preflight;
use super::https::PlainHttpAnswer;
use super::request_id::Scope;
use super::{CorsLayer, HttpsLayer, RequestIdLayer};
use crate::cors::CorsHeaders;
use crate::headers::SecurityHeaders;
use crate::headers::request_id::RequestId;
use crate::telemetry::{self, CorsRequest};

/// The decisions of the four layers, shared by every route's service.
pub(crate) struct Outer {
    pub(crate) request_id: RequestIdLayer,
    pub(crate) headers: SecurityHeaders,
    pub(crate) https: HttpsLayer,
    pub(crate) cors: CorsLayer,
}

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
    let cors = outer.cors.shared();
    let headers = req.headers();
    if CorsHeaders::is_preflight(req.method(), headers) {
        return State::Answered { answer: Some(plain_if(preflight(cors, headers), https)) };
    }
    let allowed = cors.allowed_origin(headers);
    if allowed.is_none() && headers.contains_key(ORIGIN) {
        telemetry::cors_refusal(CorsRequest::Simple, "origin");
    }
    State::Route { future: inner.call(req), allowed, https }
}

/// A preflight answered over plain HTTP is marked as the HTTPS layer marks
/// a route's plain answer.
fn plain_if(mut response: Response, https: bool) -> Response {
    if !https {
        response.extensions_mut().insert(PlainHttpAnswer);
    }
    response
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
                let polled = {
                    let _scope = Scope::enter(this.id);
                    future.poll(cx)
                };
                let mut response = ready!(polled)?.into_response();
                this.outer.cors.shared().decorate(response.headers_mut(), allowed.take());
                if !*https {
                    response.headers_mut().remove(STRICT_TRANSPORT_SECURITY);
                    response.extensions_mut().insert(PlainHttpAnswer);
                }
                response
            }
        };
        // HSTS travels over HTTPS only (RFC 6797 section 7.2).
        let plain = response.extensions().get::<PlainHttpAnswer>().is_some();
        this.outer.headers.apply_over(response.headers_mut(), !plain);
        if let Some(id) = this.id.take() {
            // The last use of the id: moved, not cloned.
            response.headers_mut().insert(this.outer.request_id.header_name().clone(), id.0);
        }
        Poll::Ready(Ok(response))
    }
}
