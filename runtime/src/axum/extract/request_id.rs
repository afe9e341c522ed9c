//! The request's ids, as the request-id layer left them.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;

use crate::axum::ApiError;
use crate::headers::{ClientRequestId, RequestId};

/// The client's own valid `X-Request-Id`, kept by the
/// [`RequestIdLayer`](crate::axum::RequestIdLayer); only as an `Option`.
impl<S: Send + Sync> OptionalFromRequestParts<S> for ClientRequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<ClientRequestId>().cloned())
    }
}

/// The request's id; 500 (logged) on a route without the
/// [`RequestIdLayer`](crate::axum::RequestIdLayer).
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

/// `Option<RequestId>`: for routes where the layer is optional.
impl<S: Send + Sync> OptionalFromRequestParts<S> for RequestId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<RequestId>().cloned())
    }
}
