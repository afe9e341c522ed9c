//! The layer that puts a [`SecurityHeaders`] set on every answer.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::headers::SecurityHeaders;

/// Puts a [`SecurityHeaders`] set on every answer of the routes it wraps
/// (the route's own values win unless [`SecurityHeaders::enforce`]), and
/// removes `Server` and `X-Powered-By`.
///
/// ```
/// use apishield::axum::SecurityHeadersLayer;
/// use apishield::headers::SecurityHeaders;
/// use axum::{Router, routing::get};
///
/// let app: Router = Router::new()
///     .route("/", get(|| async { "{}" }))
///     .layer(SecurityHeadersLayer::new(SecurityHeaders::api())); // or SecurityHeaders::api().layer()
/// # let _ = app;
/// ```
#[derive(Clone, Debug)]
pub struct SecurityHeadersLayer {
    headers: SecurityHeaders,
}

impl SecurityHeadersLayer {
    /// The layer that sets `headers`.
    pub fn new(headers: SecurityHeaders) -> Self {
        SecurityHeadersLayer { headers }
    }

    /// The headers it sets.
    pub fn headers(&self) -> &SecurityHeaders {
        &self.headers
    }
}

impl SecurityHeaders {
    /// The layer that puts these headers on every answer (feature `axum`).
    pub fn layer(&self) -> SecurityHeadersLayer {
        SecurityHeadersLayer::new(self.clone())
    }
}

impl From<SecurityHeaders> for SecurityHeadersLayer {
    fn from(headers: SecurityHeaders) -> Self {
        SecurityHeadersLayer::new(headers)
    }
}

impl<S> Layer<S> for SecurityHeadersLayer {
    type Service = SetSecurityHeaders<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SetSecurityHeaders { headers: self.headers.clone(), inner }
    }
}

/// The service of the [`SecurityHeadersLayer`]. (`SecurityHeaders` is the
/// header set, so the service is named after what it does, as tower-http's
/// `SetResponseHeader`.)
#[derive(Clone, Debug)]
pub struct SetSecurityHeaders<S> {
    headers: SecurityHeaders,
    inner: S,
}

impl<S, Req> Service<Req> for SetSecurityHeaders<S>
where
    S: Service<Req>,
    S::Response: IntoResponse,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Req) -> Self::Future {
        ResponseFuture { future: self.inner.call(req), headers: self.headers.clone() }
    }
}

pin_project! {
    /// The future of [`SetSecurityHeaders`]: the route's answer, with the
    /// headers.
    pub struct ResponseFuture<F> {
        #[pin]
        future: F,
        headers: SecurityHeaders,
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
        let this = self.project();
        let mut response = ready!(this.future.poll(cx))?.into_response();
        apply_to_answer(this.headers, &mut response);
        Poll::Ready(Ok(response))
    }
}

/// Puts `headers` on an answer; HSTS only if the HTTPS layer did not mark
/// it as going over plain HTTP (RFC 6797 section 7.2).
pub(crate) fn apply_to_answer(headers: &SecurityHeaders, response: &mut Response) {
    let plain = response.extensions().get::<super::https::PlainHttpAnswer>().is_some();
    headers.apply_over(response.headers_mut(), !plain);
}
