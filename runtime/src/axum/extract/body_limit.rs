//! One body limit for every extractor that reads a request body.

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
