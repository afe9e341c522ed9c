//! `SecureQuery<T>`: a validated query string.

use std::fmt;

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};

use crate::axum::ApiError;
use crate::axum::error::request_error_status;
use crate::request::{ReadRequestOwned, RequestError, SecureRequest};

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
        T::from_query(query).map(SecureQuery).map_err(SecureQueryRejection)
    }
}

/// Why [`SecureQuery`] refused a request, as axum's `QueryRejection`: the
/// [`RequestError`] and the answer. As a response it is the same
/// `application/problem+json` as [`ApiError`] (414 for a query string over
/// the policy's length, 400 malformed, 422 with every field's error); take
/// `Result<SecureQuery<T>, SecureQueryRejection>` in a handler to answer
/// otherwise (see [`SecureJsonRejection`](super::SecureJsonRejection)).
#[derive(Debug)]
pub struct SecureQueryRejection(RequestError);

impl SecureQueryRejection {
    /// What was wrong with the query string.
    pub fn error(&self) -> &RequestError {
        &self.0
    }

    /// The error, to answer with a body of your own.
    pub fn into_error(self) -> RequestError {
        self.0
    }

    /// The status of the default answer: 414, 400 or 422.
    pub fn status(&self) -> StatusCode {
        request_error_status(&self.0).0
    }
}

impl fmt::Display for SecureQueryRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "query string refused: {}", self.0)
    }
}

impl std::error::Error for SecureQueryRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0)
    }
}

impl IntoResponse for SecureQueryRejection {
    fn into_response(self) -> Response {
        ApiError::from(self.0).into_response()
    }
}

impl From<SecureQueryRejection> for ApiError {
    fn from(rejection: SecureQueryRejection) -> Self {
        ApiError::from(rejection.0)
    }
}
