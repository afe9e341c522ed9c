//! One body limit for every extractor that reads a request body.

use std::future::poll_fn;
use std::pin::Pin;

use axum::body::{Body, Bytes, HttpBody};
use axum::http::Extensions;

/// The largest request body read when no [`BodyLimit`] is set: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// The largest request body, in bytes, that apishield reads on the routes
/// it is set on: [`SecureJson`](super::SecureJson), the
/// [`Verified<T>`](crate::webhook::Verified) webhook extractor and the
/// fingerprint of an `#[idempotent]` handler all read at most this much and
/// answer 413 past it. Without one, [`DEFAULT_BODY_LIMIT`] (1 MiB).
///
/// It travels as a request extension, so the innermost one wins: set it for
/// a router with [`SafeDefaults::body_limit`](crate::axum::SafeDefaults::body_limit)
/// (which also sets axum's `DefaultBodyLimit`, for axum's own extractors)
/// or `router.layer(Extension(BodyLimit(n)))`, and for one route with
/// `post(handler).layer(Extension(BodyLimit(n)))`.
///
/// ```
/// use apishield::axum::BodyLimit;
/// use axum::{Extension, Router, routing::post};
///
/// let app: Router = Router::new()
///     .route("/avatars", post(|| async { "ok" }).layer(Extension(BodyLimit(64 * 1024))));
/// # let _ = app;
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimit(pub usize);

impl BodyLimit {
    /// The limit of a request: its extension's, else the default.
    pub(crate) fn of(extensions: &Extensions) -> usize {
        extensions.get::<BodyLimit>().map_or(DEFAULT_BODY_LIMIT, |limit| limit.0)
    }
}

impl Default for BodyLimit {
    fn default() -> Self {
        BodyLimit(DEFAULT_BODY_LIMIT)
    }
}

/// Why a request body was not read whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// Over the limit: 413, counted by the body-limit metric.
    TooLarge,
    /// The transport failed (a malformed chunked encoding, a client gone
    /// mid-body): 400, and no body-limit refusal to count.
    Unreadable,
}

/// Reads `body` whole, up to `limit` bytes. A body that says it is larger
/// (its `Content-Length`) is refused before any of it is read. Written here
/// rather than with `axum::body::to_bytes`, whose one error type does not
/// tell a body over the limit from one that failed to arrive.
pub(crate) async fn read_body(body: Body, limit: usize) -> Result<Bytes, BodyError> {
    if body.size_hint().lower() > limit as u64 {
        return Err(BodyError::TooLarge);
    }
    let mut body = body;
    // One chunk (the usual case) is returned as it came, without a copy.
    let mut first: Option<Bytes> = None;
    let mut rest: Vec<u8> = Vec::new();
    let mut total = 0usize;
    while let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let Ok(frame) = frame else { return Err(BodyError::Unreadable) };
        let Ok(data) = frame.into_data() else { continue };
        total = total.saturating_add(data.len());
        if total > limit {
            return Err(BodyError::TooLarge);
        }
        match first.take() {
            None if rest.is_empty() => first = Some(data),
            previous => {
                if let Some(previous) = previous {
                    rest.extend_from_slice(&previous);
                }
                rest.extend_from_slice(&data);
            }
        }
    }
    Ok(first.unwrap_or_else(|| Bytes::from(rest)))
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::task::{Context, Poll};

    use http_body::Frame;

    use super::*;

    /// A body that arrives in these chunks, or fails where one is an error.
    struct Chunked(VecDeque<Result<&'static [u8], &'static str>>);

    impl HttpBody for Chunked {
        type Data = Bytes;
        type Error = std::io::Error;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
            Poll::Ready(self.0.pop_front().map(|chunk| match chunk {
                Ok(data) => Ok(Frame::data(Bytes::from_static(data))),
                Err(e) => Err(std::io::Error::other(e)),
            }))
        }
    }

    fn chunked(chunks: impl IntoIterator<Item = Result<&'static [u8], &'static str>>) -> Body {
        Body::new(Chunked(chunks.into_iter().collect()))
    }

    #[tokio::test]
    async fn a_body_is_read_whole_within_its_limit_and_refused_past_it() {
        assert_eq!(read_body(Body::from("12345678"), 8).await, Ok(Bytes::from_static(b"12345678")));
        assert_eq!(read_body(Body::from("123456789"), 8).await, Err(BodyError::TooLarge));
        assert_eq!(read_body(Body::empty(), 8).await, Ok(Bytes::new()));
        let parts = chunked([Ok(&b"123"[..]), Ok(b""), Ok(b"45"), Ok(b"678")]);
        assert_eq!(read_body(parts, 8).await, Ok(Bytes::from_static(b"12345678")));
        assert_eq!(read_body(chunked([Ok(&b"12345"[..]), Ok(b"6789")]), 8).await, Err(BodyError::TooLarge));
        let broken = chunked([Ok(&b"12"[..]), Err("connection reset")]);
        assert_eq!(read_body(broken, 8).await, Err(BodyError::Unreadable));
    }
}
