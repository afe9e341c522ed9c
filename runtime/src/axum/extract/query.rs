//! `SecureQuery<T>`: a validated query string.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::axum::ApiError;
use crate::request::SecureRequest;
use crate::request::nested::NestedRead;

/// A query string of a `#[secure_request(query)]` (or any
/// `#[secure_request]`) type, validated; longer than the type's policy allows
/// (500 bytes by default) is refused before parsing (414).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SecureQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for SecureQuery<T>
where
    S: Send + Sync,
    T: SecureRequest + for<'de> NestedRead<'de>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let query = parts.uri.query().unwrap_or("");
        T::from_query(query).map(SecureQuery).map_err(ApiError::from)
    }
}
