//! The tower layer of [`SecurityHeaders`] (feature `axum`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::response::{IntoResponse, Response};
use tower_layer::Layer;
use tower_service::Service;

use super::security::SecurityHeaders;

impl<S> Layer<S> for SecurityHeaders {
    type Service = SecurityHeadersService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SecurityHeadersService { headers: self.clone(), inner }
    }
}

/// The service of the [`SecurityHeaders`] layer.
#[derive(Clone, Debug)]
pub struct SecurityHeadersService<S> {
    headers: SecurityHeaders,
    inner: S,
}

impl<S, Req> Service<Req> for SecurityHeadersService<S>
where
    S: Service<Req>,
    S::Response: IntoResponse,
{
    type Response = Response;
    type Error = S::Error;
    type Future = SecurityHeadersFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Req) -> Self::Future {
        SecurityHeadersFuture { future: Box::pin(self.inner.call(req)), headers: self.headers.clone() }
    }
}

/// The future of [`SecurityHeadersService`].
pub struct SecurityHeadersFuture<F> {
    future: Pin<Box<F>>,
    headers: SecurityHeaders,
}

impl<F> fmt::Debug for SecurityHeadersFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityHeadersFuture").finish_non_exhaustive()
    }
}

impl<F, R, E> Future for SecurityHeadersFuture<F>
where
    F: Future<Output = Result<R, E>>,
    R: IntoResponse,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut response = ready!(this.future.as_mut().poll(cx))?.into_response();
        this.headers.apply(response.headers_mut());
        // HSTS travels over HTTPS only (RFC 6797 section 7.2).
        if response.extensions().get::<crate::axum::PlainHttpAnswer>().is_some() {
            response.headers_mut().remove(axum::http::header::STRICT_TRANSPORT_SECURITY);
        }
        Poll::Ready(Ok(response))
    }
}
