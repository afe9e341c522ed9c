//! `ApiError`: what a client sees when a request fails.

use std::fmt;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::auth::Forbidden;
use crate::headers::RequestId;
use crate::request::{ErrorCode, RequestError};

/// An error response in the RFC 9457 problem-details format
/// (`application/problem+json`):
///
/// ```json
/// {"type": "about:blank", "title": "Forbidden", "status": 403, "code": "forbidden",
///  "request_id": "4b0c7e5e-2f0a-4d7c-9a4e-0f1d2c3b4a59"}
/// ```
///
/// The title is the generic reason phrase of the status; a validation error
/// adds the field errors (paths and codes, never values). The cause of a
/// server error goes to the log (`tracing`), never into the body. Behind a
/// [`RequestIdLayer`](crate::axum::RequestIdLayer), `request_id` is the
/// request's id (also in the `X-Request-Id` header and on the log lines), so
/// a client's report can be matched with the logs.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    errors: Option<RequestError>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str) -> Self {
        ApiError { status, code, errors: None }
    }

    /// 400: the request is malformed.
    pub fn bad_request(code: &'static str) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, code)
    }

    /// 401: no valid credentials.
    pub fn unauthorized() -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized")
    }

    /// 403: authenticated, but not allowed.
    pub fn forbidden() -> Self {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden")
    }

    /// 404: no such resource (also what to answer when saying "forbidden"
    /// would reveal that the resource exists).
    pub fn not_found() -> Self {
        ApiError::new(StatusCode::NOT_FOUND, "not_found")
    }

    /// 409: conflicts with the current state.
    pub fn conflict(code: &'static str) -> Self {
        ApiError::new(StatusCode::CONFLICT, code)
    }

    /// 503: a dependency (a store) is unavailable; retrying later may work.
    pub fn unavailable() -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    }

    /// 500, with the cause logged and kept out of the response.
    pub fn internal(cause: impl fmt::Display) -> Self {
        tracing::error!(%cause, "request failed");
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
    }

    /// A response with any status and code, for errors of your own.
    pub fn with_status(status: StatusCode, code: &'static str) -> Self {
        ApiError::new(status, code)
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable code in the body.
    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.status, self.code)
    }
}

impl std::error::Error for ApiError {}

impl From<Forbidden> for ApiError {
    fn from(_: Forbidden) -> Self {
        ApiError::forbidden()
    }
}

/// The status and code of a refused request: 422 for values that break
/// their rules; 400 for input that is not well-formed at all; 413, 414 and
/// 415 for size and content type.
pub(crate) fn request_error_status(errors: &RequestError) -> (StatusCode, &'static str) {
    match errors.errors().first().map(|e| e.code()) {
        Some(ErrorCode::Malformed | ErrorCode::TooDeep) => (StatusCode::BAD_REQUEST, "malformed_request"),
        Some(ErrorCode::BodyTooLarge) => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
        Some(ErrorCode::QueryTooLong) => (StatusCode::URI_TOO_LONG, "query_too_long"),
        Some(ErrorCode::UnsupportedMediaType) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
        _ => (StatusCode::UNPROCESSABLE_ENTITY, "validation_failed"),
    }
}

impl From<RequestError> for ApiError {
    /// 422 for values that break their rules; 400 for input that is not
    /// well-formed at all; 413, 414 and 415 for size and content type.
    fn from(errors: RequestError) -> Self {
        let (status, code) = request_error_status(&errors);
        ApiError { status, code, errors: Some(errors) }
    }
}

#[derive(Serialize)]
struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    errors: Option<&'a [crate::request::FieldError]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    request_id: Option<RequestId>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = Problem {
            kind: "about:blank",
            title: self.status.canonical_reason().unwrap_or("Error"),
            status: self.status.as_u16(),
            code: self.code,
            errors: self.errors.as_ref().map(RequestError::errors),
            request_id: RequestId::current(),
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (self.status, body).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        response
    }
}

impl IntoResponse for Forbidden {
    fn into_response(self) -> Response {
        ApiError::forbidden().into_response()
    }
}

impl IntoResponse for RequestError {
    fn into_response(self) -> Response {
        ApiError::from(self).into_response()
    }
}
