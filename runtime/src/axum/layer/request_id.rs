//! The layer that gives every request its [`RequestId`] (the extractors of
//! [`RequestId`] and [`ClientRequestId`] are in `axum::extract`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::http::{HeaderMap, HeaderName, HeaderValue, Request};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::headers::request_id::{CURRENT, ClientRequestId, REQUEST_ID_HEADER, RequestId, is_request_id};

/// The one valid value of `header`, if it was sent exactly once.
fn incoming(headers: &HeaderMap, header: &HeaderName) -> Incoming {
    let mut values = headers.get_all(header).iter();
    match (values.next(), values.next()) {
        (None, _) => Incoming::Absent,
        (Some(value), None) if is_request_id(value.as_bytes()) => Incoming::Valid(value.clone()),
        _ => Incoming::Refused,
    }
}

enum Incoming {
    Absent,
    Valid(HeaderValue),
    Refused,
}

/// Makes `slot`'s id the current one until dropped (also on unwind), then
/// puts it back in `slot` and restores the previous one. A hand-made task
/// local: it lives exactly as long as one poll of the request's future.
pub(crate) struct Scope<'a> {
    slot: &'a mut Option<RequestId>,
    previous: Option<RequestId>,
}

impl<'a> Scope<'a> {
    pub(crate) fn enter(slot: &'a mut Option<RequestId>) -> Self {
        let previous = CURRENT.try_with(|current| current.replace(slot.take())).ok().flatten();
        Scope { slot, previous }
    }
}

impl Drop for Scope<'_> {
    fn drop(&mut self) {
        let previous = self.previous.take();
        if let Ok(id) = CURRENT.try_with(|current| current.replace(previous)) {
            *self.slot = id;
        }
    }
}

/// Runs `future` (a task spawned for a request, such as an `#[idempotent]`
/// handler detached from its connection) with the request's id and `tracing`
/// span, captured where it was spawned: its `ApiError` bodies and log lines
/// carry the id as the request's own do.
pub(crate) fn in_current_request<F: Future>(future: F) -> impl Future<Output = F::Output> {
    // Captured now, where the task is made, not at its first poll.
    let mut slot = RequestId::current();
    let span = tracing::Span::current();
    async move {
        let mut future = std::pin::pin!(future);
        std::future::poll_fn(move |cx| {
            let _entered = span.enter();
            let _scope = Scope::enter(&mut slot);
            future.as_mut().poll(cx)
        })
        .await
    }
}

/// Gives every request a [`RequestId`] of the server's making, and keeps a
/// client's own id beside it.
///
/// | Where | Default ([`new`](Self::new)) | [`trust_incoming`](Self::trust_incoming) | [`ignore_incoming`](Self::ignore_incoming) |
/// | --- | --- | --- | --- |
/// | request id (extensions, [`RequestId::current`]) | generated | the header's, if valid; else generated | generated |
/// | answer's `X-Request-Id` | request id | request id | request id |
/// | `request_id` in [`ApiError`](crate::axum::ApiError) problem+json bodies | request id | request id | request id |
/// | `tracing` span `request`: `request_id` | request id | request id | request id |
/// | span `client_request_id`, [`ClientRequestId`] extension | the header's, if valid | — (it is the request id) | — |
/// | request's `X-Request-Id` for the handler and services behind | request id | request id | request id |
///
/// Why the server's own id by default: the id in the logs and in error
/// bodies is what support and incident tooling search by. Taken from the
/// client, any client could give its requests another request's id (to
/// hide its lines among someone else's, or to make a victim's support
/// ticket point at its own), or a value made to break the log format. So by
/// default the client's header never becomes the request id and is never
/// echoed: a valid one is logged as `client_request_id` (a caller's own
/// correlation id still finds the server's lines), an invalid one (not sent
/// exactly once, or not 1 to 64 ASCII letters, digits and `-_.:/+=`) is
/// dropped without being logged.
///
/// [`trust_incoming`](Self::trust_incoming) is for a server behind a
/// gateway that sets the header itself (overwriting the client's): there the
/// gateway's id becomes the request id, so one id follows the request
/// across hops. Use it only when every request passes that gateway.
///
/// Put the layer outermost, so that answers of the other layers (a refused
/// CORS preflight, a 429) carry the id too.
///
/// ```
/// use apishield::axum::RequestIdLayer;
/// use apishield::headers::SecurityHeaders;
/// use axum::{Router, routing::get};
///
/// let app: Router = Router::new()
///     .route("/", get(|| async { "{}" }))
///     .layer(SecurityHeaders::api().layer())
///     .layer(RequestIdLayer::new());
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
pub struct RequestIdLayer {
    header: HeaderName,
    incoming: Trust,
}

/// What the layer does with the incoming header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trust {
    /// Kept as [`ClientRequestId`], never the request id.
    Record,
    /// The request id, if valid.
    Adopt,
    /// Not read.
    Ignore,
}

impl Default for RequestIdLayer {
    fn default() -> Self {
        RequestIdLayer::new()
    }
}

impl RequestIdLayer {
    /// Reads and writes `X-Request-Id`: the request id is the server's own,
    /// a client's valid id is kept as [`ClientRequestId`].
    pub fn new() -> Self {
        RequestIdLayer { header: REQUEST_ID_HEADER, incoming: Trust::Record }
    }

    /// Uses another header (e.g. `X-Correlation-Id`).
    #[must_use]
    pub fn header(mut self, name: HeaderName) -> Self {
        self.header = name;
        self
    }

    /// Takes a valid incoming id as the request id (logs, error bodies, the
    /// answer's header). Only for a server whose every request comes through
    /// a gateway that sets the header itself: otherwise any client chooses
    /// the id its requests are logged under.
    #[must_use]
    pub fn trust_incoming(mut self) -> Self {
        self.incoming = Trust::Adopt;
        self
    }

    /// Ignores the incoming header altogether: not even kept as
    /// [`ClientRequestId`].
    #[must_use]
    pub fn ignore_incoming(mut self) -> Self {
        self.incoming = Trust::Ignore;
        self
    }

    /// Whether a valid incoming id becomes the request id
    /// ([`trust_incoming`](Self::trust_incoming)).
    pub fn trusts_incoming(&self) -> bool {
        self.incoming == Trust::Adopt
    }
}

impl<S> Layer<S> for RequestIdLayer {
    type Service = SetRequestId<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SetRequestId { layer: self.clone(), inner }
    }
}

/// The service of the [`RequestIdLayer`]. (`RequestId` is the id, so the
/// service is named after what it does, as tower-http's `SetRequestId`.)
#[derive(Debug, Clone)]
pub struct SetRequestId<S> {
    layer: RequestIdLayer,
    inner: S,
}

impl<S, B> Service<Request<B>> for SetRequestId<S>
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

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let (mut slot, span) = self.layer.begin(&mut req);
        let future = {
            let _entered = span.enter();
            let _scope = Scope::enter(&mut slot);
            self.inner.call(req)
        };
        ResponseFuture { future, id: slot, span, header: self.layer.header.clone() }
    }
}

impl RequestIdLayer {
    /// The request's id, chosen, put on the request (header and extension)
    /// and in a new span: what this layer and the safe defaults' one
    /// service do before calling the route.
    pub(crate) fn begin<B>(&self, req: &mut Request<B>) -> (Option<RequestId>, tracing::Span) {
        let header = &self.header;
        let incoming = match self.incoming {
            Trust::Ignore => Incoming::Absent,
            Trust::Record | Trust::Adopt => incoming(req.headers(), header),
        };
        if matches!(incoming, Incoming::Refused) {
            // Not the value: it is what was refused.
            tracing::debug!(header = %header, "client request id ignored: not one value of 1 to 64 [A-Za-z0-9._:/+=-]");
        }
        let (id, client) = match (self.incoming, incoming) {
            (Trust::Adopt, Incoming::Valid(value)) => (RequestId(value), None),
            (Trust::Record, Incoming::Valid(value)) => (RequestId::generate(), Some(ClientRequestId(value))),
            _ => (RequestId::generate(), None),
        };
        // Whoever reads the header behind this layer (a handler, a proxied
        // call) sees the request id, never an unchecked client value.
        req.headers_mut().insert(header.clone(), id.0.clone());
        req.extensions_mut().insert(id.clone());
        let span = tracing::info_span!(
            "request",
            request_id = %id,
            client_request_id = client.as_ref().map(tracing::field::display),
        );
        if let Some(client) = client {
            req.extensions_mut().insert(client);
        }
        (Some(id), span)
    }

    /// The header the id is answered in.
    pub(crate) fn header_name(&self) -> &HeaderName {
        &self.header
    }
}

pin_project! {
    /// The future of [`SetRequestId`]: the route's answer, with the id.
    pub struct ResponseFuture<F> {
        #[pin]
        future: F,
        id: Option<RequestId>,
        span: tracing::Span,
        header: HeaderName,
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
        let mut response = ready!(poll_in_request(this.future, this.id, cx))?.into_response();
        answer_with_id(this.header, this.id, &mut response);
        Poll::Ready(Ok(response))
    }
}

/// Polls the route's `future` with the request's id current (the caller
/// has entered its span).
pub(crate) fn poll_in_request<F: Future>(
    future: Pin<&mut F>,
    id: &mut Option<RequestId>,
    cx: &mut Context<'_>,
) -> Poll<F::Output> {
    let _scope = Scope::enter(id);
    future.poll(cx)
}

/// Puts the request's id on its answer, in `header`.
pub(crate) fn answer_with_id(header: &HeaderName, id: &mut Option<RequestId>, response: &mut Response) {
    if let Some(id) = id.take() {
        // The last use of the id: moved, not cloned.
        response.headers_mut().insert(header.clone(), id.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_id_is_scoped() {
        assert_eq!(RequestId::current(), None);
        let mut outer = RequestId::parse("outer");
        {
            let _a = Scope::enter(&mut outer);
            assert_eq!(RequestId::current().as_ref().map(RequestId::as_str), Some("outer"));
            let mut inner = RequestId::parse("inner");
            {
                let _b = Scope::enter(&mut inner);
                assert_eq!(RequestId::current().as_ref().map(RequestId::as_str), Some("inner"));
            }
            assert_eq!(inner.as_ref().map(RequestId::as_str), Some("inner"));
            assert_eq!(RequestId::current().as_ref().map(RequestId::as_str), Some("outer"));
        }
        assert_eq!(outer.as_ref().map(RequestId::as_str), Some("outer"));
        assert_eq!(RequestId::current(), None);
    }
}
