//! What a replay repeats of the first response, and what it never does.

use axum::body::{Body, Bytes};
use axum::http::header::{
    CONTENT_DISPOSITION, CONTENT_LANGUAGE, CONTENT_LOCATION, CONTENT_TYPE, ETAG, LAST_MODIFIED, LINK, LOCATION,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::axum::ApiError;
use crate::idempotency::StoredResponse;

/// The header that marks a replayed response.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// [`REPLAYED_HEADER`] as a name (by its text, it was parsed on every replay).
const REPLAYED: HeaderName = HeaderName::from_static(REPLAYED_HEADER);

/// The response headers a replay repeats: what a client relies on to use
/// the result (its type, where the created resource is, its version).
/// Everything else is left out: `Set-Cookie` and any other credential
/// (a replay goes to whoever holds the key), and headers that describe this
/// answer rather than the result (`Date`, rate-limit headers, request id:
/// the layers around the handler add fresh ones).
pub const REPLAYED_HEADERS: &[&str] = &[
    "content-type",
    "content-language",
    "content-disposition",
    "location",
    "content-location",
    "etag",
    "last-modified",
    "link",
];

/// [`REPLAYED_HEADERS`] as header names (the same list, in its order: a
/// unit test compares them): they are compared as names when a response is
/// kept, and a replay takes its names from here instead of parsing them.
const REPLAYED_NAMES: [HeaderName; 8] =
    [CONTENT_TYPE, CONTENT_LANGUAGE, CONTENT_DISPOSITION, LOCATION, CONTENT_LOCATION, ETAG, LAST_MODIFIED, LINK];

/// Headers that describe a body, dropped when the body was not kept.
const BODY_HEADERS: &[&str] = &["content-type", "content-language", "content-disposition"];

/// Names that may carry a credential, never replayed even if configured.
pub(super) fn credential_like(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["cookie", "auth", "token", "secret", "session", "key", "password", "signature"].iter().any(|w| name.contains(w))
}

/// The headers of `headers` a replay repeats, in order.
pub(super) fn kept_headers(headers: &HeaderMap, extra: &[HeaderName]) -> Vec<(String, Vec<u8>)> {
    headers
        .iter()
        .filter(|(name, _)| REPLAYED_NAMES.contains(name) || extra.contains(name))
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect()
}

/// The answer to a retry of a finished request.
pub(super) fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let kept = stored.body.is_some();
    let mut response = match stored.body {
        Some(body) => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = status;
            response
        }
        // The request ran; its response was too large to keep. The status
        // and headers (a `Location`, an `ETag`) still tell the client what
        // happened, the problem body that the rest is gone.
        None => ApiError::with_status(status, "idempotency_response_not_kept").into_response(),
    };
    let headers = response.headers_mut();
    for (name, value) in stored.headers {
        if !kept && BODY_HEADERS.contains(&name.as_str()) {
            continue;
        }
        // Stored headers were valid when stored; a corrupt record loses a
        // header rather than failing the replay.
        // The stored value becomes the header's, checked, not copied.
        if let (Some(name), Ok(value)) = (stored_name(&name), HeaderValue::from_maybe_shared(Bytes::from(value))) {
            headers.append(name, value);
        }
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}

/// A stored header's name: one of [`REPLAYED_NAMES`] as it is, any other
/// (a route's extra header) parsed; `None` if it is not a header name.
fn stored_name(name: &str) -> Option<HeaderName> {
    match REPLAYED_NAMES.iter().find(|known| known.as_str() == name) {
        Some(known) => Some(known.clone()),
        None => HeaderName::from_bytes(name.as_bytes()).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_names_are_the_documented_list() {
        let names: Vec<&str> = REPLAYED_NAMES.iter().map(HeaderName::as_str).collect();
        assert_eq!(names, REPLAYED_HEADERS);
    }

    #[test]
    fn a_replay_repeats_the_stored_headers_and_drops_what_is_not_a_header() {
        let stored = StoredResponse {
            status: 201,
            headers: vec![
                ("content-type".into(), b"application/json".to_vec()),
                ("location".into(), b"/payments/7\r\nset-cookie: s=1".to_vec()),
                ("not a name".into(), b"x".to_vec()),
                ("x-version".into(), b"3".to_vec()),
                ("link".into(), b"</a>; rel=\"next\"".to_vec()),
            ],
            body: Some(b"{}".to_vec()),
        };
        let response = replay(stored);
        assert_eq!(response.status(), StatusCode::CREATED);
        let headers: Vec<(&str, &[u8])> = response.headers().iter().map(|(n, v)| (n.as_str(), v.as_bytes())).collect();
        assert_eq!(
            headers,
            [
                ("content-type", &b"application/json"[..]),
                ("x-version", b"3"),
                ("link", b"</a>; rel=\"next\""),
                ("idempotent-replayed", b"true"),
            ]
        );
    }

    #[test]
    fn stored_names_are_parsed_unless_known() {
        assert_eq!(stored_name("etag"), Some(ETAG));
        assert_eq!(stored_name("x-version"), Some(HeaderName::from_static("x-version")));
        // A corrupt record's name loses its header, it does not fail the replay.
        assert_eq!(stored_name("not a name"), None);
    }

    #[test]
    fn only_result_headers_are_kept() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("content-type", "application/json"),
            ("location", "/payments/7"),
            ("etag", "\"v1\""),
            ("set-cookie", "session=secret"),
            ("x-ratelimit-remaining", "9"),
            ("x-request-id", "abc"),
            ("x-version", "3"),
        ] {
            headers.append(HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        let kept = kept_headers(&headers, &[HeaderName::from_static("x-version")]);
        let names: Vec<&str> = kept.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["content-type", "location", "etag", "x-version"]);
    }

    #[test]
    fn credential_like_names() {
        for name in ["set-cookie", "Authorization", "x-session-id", "x-api-key", "x-access-token", "x-signature"] {
            assert!(credential_like(name), "{name}");
        }
        for name in ["x-version", "retry-after", "x-resource-id"] {
            assert!(!credential_like(name), "{name}");
        }
    }
}
