//! `SecureQuery<T>`: a validated query string.

use axum::extract::{FromRequestParts, MatchedPath};
use axum::http::request::Parts;

use crate::request::{ReadRequestOwned, SecureRequest};
use crate::telemetry::Source;

/// A query string of a `#[secure_request(query)]` (or any
/// `#[secure_request]`) type, validated; longer than the type's policy allows
/// (500 bytes by default) is refused before parsing (414). The rejection is
/// a [`SecureQueryRejection`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SecureQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for SecureQuery<T>
where
    S: Send + Sync,
    T: SecureRequest + ReadRequestOwned,
{
    type Rejection = SecureQueryRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, SecureQueryRejection> {
        let query = parts.uri.query().unwrap_or("");
        T::from_query(query)
            .map(SecureQuery)
            .map_err(|e| SecureQueryRejection(e).reported(Source::Query, parts.extensions.get::<MatchedPath>()))
    }
}

request_rejection!(
    /// Why [`SecureQuery`] refused a request, as axum's `QueryRejection`: the
    /// [`RequestError`](crate::request::RequestError) and the answer. As a response it is the same
    /// `application/problem+json` as [`ApiError`](crate::axum::ApiError) (414 for a query string over
    /// the policy's length, 400 malformed, 422 with every field's error); take
    /// `Result<SecureQuery<T>, SecureQueryRejection>` in a handler to answer
    /// otherwise (see [`SecureJsonRejection`](super::SecureJsonRejection)).
    SecureQueryRejection,
    what = "query string",
    statuses = "414, 400 or 422",
    display = "query string refused"
);
