//! `SecureJson<T>`: a validated JSON body.

use axum::extract::{FromRequest, MatchedPath, Request};
use axum::http::header::CONTENT_TYPE;

use super::body_limit::{BodyError, BodyLimit, read_body};
use crate::request::{ErrorCode, FieldPath, ReadRequestOwned, RequestError, SecureRequest};
use crate::telemetry::{BodyExtractor, Source};

/// A JSON body of a `#[secure_request]` type, validated; or, as a
/// response, a [`Public`](crate::Public) value serialized as JSON.
///
/// Extraction: `Content-Type` must be JSON (415 otherwise), the body at most
/// the route's [`BodyLimit`] (1 MiB by default; 413), well-formed
/// (400) and valid (422 with every field's error); the rejection is a
/// [`SecureJsonRejection`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SecureJson<T>(pub T);

fn is_json(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    let Some((kind, subtype)) = essence.split_once('/') else {
        return false;
    };
    kind.eq_ignore_ascii_case("application")
        && (subtype.eq_ignore_ascii_case("json")
            || subtype.len() > 5 && subtype[subtype.len() - 5..].eq_ignore_ascii_case("+json"))
}

fn single(code: ErrorCode, message: &'static str) -> SecureJsonRejection {
    SecureJsonRejection(RequestError::single(FieldPath::root(), code, message))
}

impl<S, T> FromRequest<S> for SecureJson<T>
where
    S: Send + Sync,
    T: SecureRequest + ReadRequestOwned,
{
    type Rejection = SecureJsonRejection;

    async fn from_request(req: Request, _state: &S) -> Result<Self, SecureJsonRejection> {
        let json = req.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(is_json);
        if !json {
            let rejection = single(ErrorCode::UnsupportedMediaType, "the body must be application/json");
            return Err(rejection.reported(Source::Json, req.extensions().get::<MatchedPath>()));
        }
        let limit = BodyLimit::of(req.extensions());
        let (parts, body) = req.into_parts();
        let bytes = match read_body(body, limit, BodyExtractor::Json).await {
            Ok(bytes) => bytes,
            Err(BodyError::TooLarge) => return Err(single(ErrorCode::BodyTooLarge, "the body is too large")),
            Err(BodyError::Unreadable) => return Err(single(ErrorCode::Malformed, "the body could not be read")),
        };
        T::from_json(&bytes)
            .map(SecureJson)
            .map_err(|e| SecureJsonRejection(e).reported(Source::Json, parts.extensions.get::<MatchedPath>()))
    }
}

request_rejection!(
    /// Why [`SecureJson`] refused a request, as axum's `JsonRejection`: the
    /// [`RequestError`] (every field's error, or the one reason the body was not
    /// read: `unsupported_media_type`, `body_too_large`, `malformed`), and the
    /// answer.
    ///
    /// As a response it is the same `application/problem+json` as
    /// [`ApiError`](crate::axum::ApiError) (415, 413, 400 or 422, with the field errors). Take
    /// `Result<SecureJson<T>, SecureJsonRejection>` in a handler to answer
    /// otherwise:
    ///
    /// ```
    /// use apishield::axum::{SecureJson, SecureJsonRejection};
    /// use apishield::prelude::*;
    /// use axum::http::StatusCode;
    ///
    /// #[secure_request]
    /// pub struct Rename {
    ///     #[shield(len = 1..=40)]
    ///     pub name: String,
    /// }
    ///
    /// async fn rename(body: Result<SecureJson<Rename>, SecureJsonRejection>) -> (StatusCode, String) {
    ///     match body {
    ///         Ok(SecureJson(rename)) => (StatusCode::OK, rename.name),
    ///         Err(rejection) => {
    ///             let fields: Vec<String> = rejection.error().errors().iter().map(|e| e.path().to_string()).collect();
    ///             (rejection.status(), format!("check {}", fields.join(", ")))
    ///         }
    ///     }
    /// }
    /// # let _ = rename;
    /// ```
    SecureJsonRejection,
    what = "request",
    statuses = "415, 413, 400 or 422",
    display = "JSON body refused"
);

#[cfg(test)]
mod tests {
    use super::is_json;

    #[test]
    fn json_content_types() {
        for ok in
            ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/problem+json"]
        {
            assert!(is_json(ok), "{ok}");
        }
        for bad in
            ["text/json", "application/jsonx", "application/x-www-form-urlencoded", "", "json", "application/+json"]
        {
            assert!(!is_json(bad), "{bad}");
        }
    }
}
