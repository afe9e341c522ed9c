//! Responses: only public values and authorized resources become bodies.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::auth::{Forbidden, FromForbidden};
use crate::axum::{ApiError, SecureJson};
use crate::response::{Authorized, Public, SecureResponse};

fn json_response<T: Serialize + ?Sized>(value: &T) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => {
            let mut response = body.into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            response
        }
        Err(e) => ApiError::internal(e).into_response(),
    }
}

/// 200 with the value as JSON. Only [`Public`] values: a `#[secure_response]`
/// type, an `Authorized<T>`, plain values and collections of those.
impl<T: Public> IntoResponse for SecureJson<T> {
    fn into_response(self) -> Response {
        json_response(&self.0)
    }
}

/// 200 with the authorized resource as JSON.
impl<T: SecureResponse> IntoResponse for Authorized<T> {
    fn into_response(self) -> Response {
        json_response(&self)
    }
}

/// An `#[owned_by]` handler returning `Response` answers a failed ownership
/// check with the 403 of [`ApiError::forbidden`].
#[diagnostic::do_not_recommend]
impl FromForbidden for Response {
    fn from_forbidden(forbidden: Forbidden) -> Self {
        forbidden.into_response()
    }
}
