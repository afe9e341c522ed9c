//! Request ids: one per request, taken from the client only if it is a safe
//! string, then in the request's extensions, on the answer, in the logs'
//! span and in `ApiError` bodies, so that a user's report, the answer and
//! the logs can be matched.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, ready};

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Request};
use axum::response::{IntoResponse, Response};
use siphasher::sip128::SipHasher13;
use tower_layer::Layer;
use tower_service::Service;

use crate::axum::ApiError;

/// `X-Request-Id`, the header [`RequestIdLayer`] reads and writes by default.
pub const REQUEST_ID_HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id taken from a client, in bytes.
pub const MAX_REQUEST_ID_LEN: usize = 64;

/// The id of one request: 1 to [`MAX_REQUEST_ID_LEN`] visible ASCII
/// characters (no spaces, no control characters, so it cannot forge log
/// lines), either the client's or generated (a random UUID, version 4).
///
/// [`RequestIdLayer`] puts it in the request's extensions, from which it is
/// extracted like any axum extractor (500, logged, without the layer; use
/// `Option<RequestId>` where the layer is optional):
///
/// ```
/// use apishield::headers::RequestId;
///
/// async fn handler(id: RequestId) -> String {
///     format!("your request was {id}")
/// }
/// # let _ = handler;
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct RequestId(HeaderValue);

impl RequestId {
    /// A new random id, such as `4b0c7e5e-2f0a-4d7c-9a4e-0f1d2c3b4a59`.
    pub fn generate() -> Self {
        static HASHER: OnceLock<SipHasher13> = OnceLock::new();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        // A keyed PRF of a counter: unique within the process, unpredictable
        // across processes, and no system call per request.
        let hasher = HASHER.get_or_init(|| {
            let (k0, k1) = random_keys();
            SipHasher13::new_with_keys(k0, k1)
        });
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let mut bits = hasher.hash(&n.to_le_bytes()).as_u128();
        bits = (bits & !(0xf << 76)) | (0x4 << 76); // version 4
        bits = (bits & !(0x3 << 62)) | (0x2 << 62); // RFC 9562 variant
        let mut text = [0u8; 36];
        let mut shift = 128;
        for (i, byte) in text.iter_mut().enumerate() {
            if matches!(i, 8 | 13 | 18 | 23) {
                *byte = b'-';
            } else {
                shift -= 4;
                *byte = b"0123456789abcdef"[((bits >> shift) & 0xf) as usize];
            }
        }
        // Hex digits and dashes are always a header value.
        RequestId(HeaderValue::from_bytes(&text).unwrap_or_else(|_| HeaderValue::from_static("-")))
    }

    /// `text` as a request id, if it is 1 to [`MAX_REQUEST_ID_LEN`] visible
    /// ASCII characters.
    pub fn parse(text: &str) -> Option<Self> {
        if !is_request_id(text.as_bytes()) {
            return None;
        }
        HeaderValue::from_str(text).ok().map(RequestId)
    }

    /// A header's value as a request id, under the rule of [`parse`](Self::parse).
    pub fn from_header(value: &HeaderValue) -> Option<Self> {
        is_request_id(value.as_bytes()).then(|| RequestId(value.clone()))
    }

    /// The id.
    pub fn as_str(&self) -> &str {
        // Visible ASCII by construction.
        self.0.to_str().unwrap_or_default()
    }

    /// The id as a header value.
    pub fn header_value(&self) -> &HeaderValue {
        &self.0
    }

    /// The id of the request being served, inside a [`RequestIdLayer`] and
    /// on the task that serves it (not in tasks it spawns): what
    /// [`ApiError`] puts in its body.
    pub fn current() -> Option<Self> {
        CURRENT
            .try_with(|current| {
                let id = current.take();
                let copy = id.clone();
                current.set(id);
                copy
            })
            .ok()
            .flatten()
    }
}

fn is_request_id(bytes: &[u8]) -> bool {
    (1..=MAX_REQUEST_ID_LEN).contains(&bytes.len()) && bytes.iter().all(u8::is_ascii_graphic)
}

/// Keys from the OS; should it fail, from std's randomly seeded hasher.
fn random_keys() -> (u64, u64) {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_ok() {
        let (a, b) = bytes.split_at(8);
        let word = |s: &[u8]| s.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x));
        return (word(a), word(b));
    }
    let state = std::hash::RandomState::new();
    (std::hash::BuildHasher::hash_one(&state, 1u8), std::hash::BuildHasher::hash_one(&state, 2u8))
}

impl fmt::Display for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for RequestId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RequestId").field(&self.as_str()).finish()
    }
}

impl serde::Serialize for RequestId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        parts
            .extensions
            .get::<RequestId>()
            .cloned()
            .ok_or_else(|| ApiError::internal("RequestId extracted on a route without the RequestIdLayer"))
    }
}

impl<S: Send + Sync> OptionalFromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<RequestId>().cloned())
    }
}

thread_local! {
    /// The id of the request whose future this thread is polling.
    static CURRENT: Cell<Option<RequestId>> = const { Cell::new(None) };
}

/// Makes `slot`'s id the current one until dropped (also on unwind), then
/// puts it back in `slot` and restores the previous one. A hand-made task
/// local: it lives exactly as long as one poll of the request's future.
struct Scope<'a> {
    slot: &'a mut Option<RequestId>,
    previous: Option<RequestId>,
}

impl<'a> Scope<'a> {
    fn enter(slot: &'a mut Option<RequestId>) -> Self {
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

/// Gives every request a [`RequestId`]:
///
/// * the client's `X-Request-Id` if it is 1 to 64 visible ASCII characters
///   (and sent once); otherwise a generated one, which also replaces the
///   request's header for the handlers and services behind;
/// * in the request's extensions (the [`RequestId`] extractor);
/// * on the answer's `X-Request-Id`, whatever the route set;
/// * as `request_id` on a `tracing` span named `request` around the route,
///   so every log line of the request carries it;
/// * as `request_id` in every [`ApiError`] problem+json body made while the
///   route runs.
///
/// Put it outermost, so that answers of the other layers (a refused CORS
/// preflight, a 429) carry the id too. A server that faces clients directly
/// and wants ids only of its own making uses
/// [`ignore_incoming`](Self::ignore_incoming).
///
/// ```
/// use apishield::headers::{RequestIdLayer, SecurityHeaders};
/// use axum::{Router, routing::get};
///
/// let app: Router = Router::new()
///     .route("/", get(|| async { "{}" }))
///     .layer(SecurityHeaders::api())
///     .layer(RequestIdLayer::new());
/// # let _ = app;
/// ```
#[derive(Debug, Clone)]
pub struct RequestIdLayer {
    header: HeaderName,
    trust_incoming: bool,
}

impl Default for RequestIdLayer {
    fn default() -> Self {
        RequestIdLayer::new()
    }
}

impl RequestIdLayer {
    /// Reads and writes `X-Request-Id`, keeping a client's valid id.
    pub fn new() -> Self {
        RequestIdLayer { header: REQUEST_ID_HEADER, trust_incoming: true }
    }

    /// Uses another header (e.g. `X-Correlation-Id`).
    pub fn header(mut self, name: HeaderName) -> Self {
        self.header = name;
        self
    }

    /// Always generates the id, ignoring the client's.
    pub fn ignore_incoming(mut self) -> Self {
        self.trust_incoming = false;
        self
    }
}

impl<S> Layer<S> for RequestIdLayer {
    type Service = RequestIdService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequestIdService { layer: self.clone(), inner }
    }
}

/// The service of the [`RequestIdLayer`].
#[derive(Debug, Clone)]
pub struct RequestIdService<S> {
    layer: RequestIdLayer,
    inner: S,
}

impl<S, B> Service<Request<B>> for RequestIdService<S>
where
    S: Service<Request<B>>,
    S::Response: IntoResponse,
{
    type Response = Response;
    type Error = S::Error;
    type Future = RequestIdFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let header = &self.layer.header;
        let incoming = if self.layer.trust_incoming {
            let mut values = req.headers().get_all(header).iter();
            match (values.next(), values.next()) {
                (Some(value), None) => RequestId::from_header(value),
                _ => None,
            }
        } else {
            None
        };
        let id = incoming.unwrap_or_else(|| {
            let id = RequestId::generate();
            req.headers_mut().insert(header.clone(), id.0.clone());
            id
        });
        req.extensions_mut().insert(id.clone());
        let span = tracing::info_span!("request", request_id = %id);
        let mut slot = Some(id);
        let future = {
            let _entered = span.enter();
            let _scope = Scope::enter(&mut slot);
            self.inner.call(req)
        };
        RequestIdFuture { future: Box::pin(future), id: slot, span, header: header.clone() }
    }
}

/// The future of [`RequestIdService`].
pub struct RequestIdFuture<F> {
    future: Pin<Box<F>>,
    id: Option<RequestId>,
    span: tracing::Span,
    header: HeaderName,
}

impl<F> fmt::Debug for RequestIdFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestIdFuture").field("id", &self.id).finish_non_exhaustive()
    }
}

impl<F, R, E> Future for RequestIdFuture<F>
where
    F: Future<Output = Result<R, E>>,
    R: IntoResponse,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let _entered = this.span.enter();
        let polled = {
            let _scope = Scope::enter(&mut this.id);
            this.future.as_mut().poll(cx)
        };
        let mut response = ready!(polled)?.into_response();
        if let Some(id) = &this.id {
            response.headers_mut().insert(this.header.clone(), id.0.clone());
        }
        Poll::Ready(Ok(response))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_uuid_v4_and_distinct() {
        let a = RequestId::generate();
        let b = RequestId::generate();
        assert_ne!(a, b);
        let s = a.as_str();
        assert_eq!(s.len(), 36);
        assert_eq!(s.as_bytes()[14], b'4');
        assert!(matches!(s.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
        assert!(s.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(s.matches('-').count(), 4);
    }

    #[test]
    fn incoming_ids_are_short_visible_ascii() {
        assert_eq!(RequestId::parse("abc-123_XYZ:/=").map(|i| i.to_string()).as_deref(), Some("abc-123_XYZ:/="));
        assert!(RequestId::parse(&"a".repeat(64)).is_some());
        for bad in ["", " ", "a b", "a\tb", "é", "a\u{7f}", &"a".repeat(65)] {
            assert!(RequestId::parse(bad).is_none(), "{bad:?}");
        }
        assert!(RequestId::from_header(&HeaderValue::from_bytes(b"a\x80").unwrap()).is_none());
    }

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
