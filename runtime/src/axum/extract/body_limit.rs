//! One body limit for every extractor that reads a request body.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::pin::Pin;

use axum::body::{Body, Bytes, HttpBody};
use axum::http::Extensions;

use crate::telemetry::{self, BodyExtractor};

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

/// Reads a request body whole, up to `limit` bytes, for `extractor`; a body
/// over the limit is counted by the body-limit metric. Written here rather
/// than with `axum::body::to_bytes`, whose one error type does not tell a
/// body over the limit from one that failed to arrive.
pub(crate) async fn read_body(body: Body, limit: usize, extractor: BodyExtractor) -> Result<Bytes, BodyError> {
    let mut body = body;
    match read_up_to(&mut body, limit).await {
        Read::Whole(bytes) => Ok(bytes),
        Read::Over(_) => {
            telemetry::body_limit(extractor, limit);
            Err(BodyError::TooLarge)
        }
        Read::Failed(_) => Err(BodyError::Unreadable),
    }
}

/// What reading a body up to a limit came to.
pub(crate) enum Read {
    /// The whole body, within the limit.
    Whole(Bytes),
    /// Over the limit: the chunks read so far (none when its size said so
    /// at once); the body holds the rest.
    Over(Chunks),
    /// The body failed.
    Failed(axum::Error),
}

/// Reads `body` until it ends or passes `limit` bytes. A body that says it
/// is larger (its `Content-Length`) is not read at all. Trailers are not
/// kept.
pub(crate) async fn read_up_to(body: &mut Body, limit: usize) -> Read {
    let mut chunks = Chunks::default();
    if body.size_hint().lower() > limit as u64 {
        return Read::Over(chunks);
    }
    let mut total = 0usize;
    while let Some(frame) = poll_fn(|cx| Pin::new(&mut *body).poll_frame(cx)).await {
        let frame = match frame {
            Ok(frame) => frame,
            Err(e) => return Read::Failed(e),
        };
        let Ok(data) = frame.into_data() else { continue };
        total = total.saturating_add(data.len());
        chunks.push(data);
        if total > limit {
            return Read::Over(chunks);
        }
    }
    Read::Whole(chunks.into_whole(total))
}

/// The chunks of a body read so far, in order. One chunk (the usual case)
/// is held, and given back whole, without allocating or copying.
#[derive(Default)]
pub(crate) struct Chunks {
    /// The only chunk, while there is one.
    one: Option<Bytes>,
    /// All of them, once there are more.
    more: VecDeque<Bytes>,
}

impl Chunks {
    pub(crate) fn push(&mut self, chunk: Bytes) {
        if self.one.is_none() && self.more.is_empty() {
            self.one = Some(chunk);
        } else {
            self.more.extend(self.one.take());
            self.more.push_back(chunk);
        }
    }

    pub(crate) fn pop_front(&mut self) -> Option<Bytes> {
        self.one.take().or_else(|| self.more.pop_front())
    }

    /// Every chunk as one buffer of `total` bytes (the one chunk as it is).
    pub(crate) fn into_whole(self, total: usize) -> Bytes {
        if let Some(one) = self.one {
            return one;
        }
        let mut whole = Vec::with_capacity(total);
        for chunk in self.more {
            whole.extend_from_slice(&chunk);
        }
        Bytes::from(whole)
    }
}

#[cfg(test)]
mod tests {
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
        assert_eq!(
            read_body(Body::from("12345678"), 8, BodyExtractor::Json).await,
            Ok(Bytes::from_static(b"12345678"))
        );
        assert_eq!(read_body(Body::from("123456789"), 8, BodyExtractor::Json).await, Err(BodyError::TooLarge));
        assert_eq!(read_body(Body::empty(), 8, BodyExtractor::Json).await, Ok(Bytes::new()));
        let parts = chunked([Ok(&b"123"[..]), Ok(b""), Ok(b"45"), Ok(b"678")]);
        assert_eq!(read_body(parts, 8, BodyExtractor::Json).await, Ok(Bytes::from_static(b"12345678")));
        assert_eq!(
            read_body(chunked([Ok(&b"12345"[..]), Ok(b"6789")]), 8, BodyExtractor::Json).await,
            Err(BodyError::TooLarge)
        );
        let broken = chunked([Ok(&b"12"[..]), Err("connection reset")]);
        assert_eq!(read_body(broken, 8, BodyExtractor::Json).await, Err(BodyError::Unreadable));
    }

    #[test]
    fn chunks_come_back_in_order_and_whole() {
        let chunk = |text: &'static str| Bytes::from_static(text.as_bytes());
        for parts in [vec![], vec!["a"], vec!["a", "bc"], vec!["a", "bc", "", "def"]] {
            let pushed = || {
                let mut chunks = Chunks::default();
                parts.iter().for_each(|part| chunks.push(chunk(part)));
                chunks
            };
            let mut popped = pushed();
            let order: Vec<Bytes> = std::iter::from_fn(|| popped.pop_front()).collect();
            assert_eq!(order, parts.iter().map(|p| chunk(p)).collect::<Vec<_>>());
            let total = parts.iter().map(|p| p.len()).sum();
            assert_eq!(pushed().into_whole(total), Bytes::from(parts.concat()));
        }
    }
}
