//! Credentials in query strings: which parameter names and values the
//! [`AuthenticationLayer`](super::AuthenticationLayer) layer refuses.
//!
//! Names are compared the way servers read them: from the first NUL on
//! nothing counts (C parsers stop there), control characters and whitespace
//! around the name are dropped, `api_key[]` and `auth[token]` are the names
//! `api_key` and `auth` and `token` (the bracket forms that PHP, Rails and
//! qs parse into arrays and maps), and each part is normalized like a field
//! name (`apiKey`, `API-KEY`, `api.key` are `api_key`). Values are refused
//! when, percent-decoded and trimmed, they are an apishield API key, look
//! like a JWT (compact JWS or JWE), or are an `Authorization` value
//! (`Bearer <token>`, `ApiKey <key>`, `Basic <user:password in base64>`).

use std::collections::BTreeSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_PAD_INDIFFERENT;

use crate::auth::api_key::ApiKey;

/// Whether the parameter `name=value` (both percent-decoded) carries a
/// credential: a refused name, or a credential-shaped value.
pub(super) fn is_credential(refused_names: &BTreeSet<String>, name: &str, value: &str) -> bool {
    name_parts(name).any(|part| refused_names.contains(&part)) || is_credential_value(value)
}

/// The normalized parts of a parameter name: `api_key[]` -> `api_key`;
/// `auth[token]` -> `auth`, `token` (the macros read field names the same
/// way, from the same code).
pub(super) use apishield_internals::names::name_parts;

/// An API key, a JWT, or an `Authorization` value, once trimmed.
fn is_credential_value(value: &str) -> bool {
    let value = value.trim_matches(|c: char| c.is_control() || c.is_whitespace());
    ApiKey::parse(value).is_ok() || looks_like_jwt(value) || is_authorization_value(value)
}

/// `Bearer <token>`, `ApiKey <key>`, `Basic <base64 of user:password>`,
/// any case, any whitespace between: what an `Authorization` header holds.
/// The credential must be one token of 8+ characters (Basic: base64 that
/// decodes to something with a `:`), so "bearer of bad news" or "basic
/// training" pass.
fn is_authorization_value(value: &str) -> bool {
    let Some((scheme, credential)) = value.split_once(|c: char| c.is_whitespace()) else { return false };
    let credential = credential.trim_start_matches(|c: char| c.is_whitespace());
    if credential.is_empty() || credential.contains(|c: char| c.is_whitespace()) {
        return false;
    }
    if scheme.eq_ignore_ascii_case("basic") {
        return STANDARD_PAD_INDIFFERENT
            .decode(credential)
            .is_ok_and(|decoded| decoded.contains(&b':') && std::str::from_utf8(&decoded).is_ok());
    }
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("apikey"))
        && (ApiKey::parse(credential).is_ok() || looks_like_jwt(credential) || is_token68(credential))
}

/// RFC 9110 `token68` of at least 8 characters.
fn is_token68(s: &str) -> bool {
    let body = s.trim_end_matches('=');
    body.len() >= 8 && body.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b))
}

/// A compact JWS (three base64url segments) or JWE (five), the first a
/// JSON object (`eyJ` is the base64url of `{"`).
pub(super) fn looks_like_jwt(value: &str) -> bool {
    let segments = value.split('.').count();
    let Some(header) = value.split('.').next() else { return false };
    let payload_present = value.split('.').nth(1).is_some_and(|p| !p.is_empty());
    matches!(segments, 3 | 5)
        && header.starts_with("eyJ")
        && payload_present
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_names_normalize_like_field_names() {
        let parts = |n: &str| name_parts(n).collect::<Vec<_>>();
        assert_eq!(parts("api_key[]"), ["api_key"]);
        assert_eq!(parts("auth[token]"), ["auth", "token"]);
        assert_eq!(parts("token\0.png"), ["token"]);
        assert_eq!(parts("q"), ["q"]);
    }

    #[test]
    fn jwt_shapes() {
        assert!(looks_like_jwt("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"));
        assert!(looks_like_jwt("eyJhbGciOiJub25lIn0.e30."));
        assert!(looks_like_jwt("eyJhbGciOiJSU0EtT0FFUCJ9.a2V5.aXY.Y2lwaGVy.dGFn"));
        assert!(!looks_like_jwt("eyJhbGciOiJIUzI1NiJ9.e30"));
        assert!(!looks_like_jwt("a.b.c"));
        assert!(!looks_like_jwt("eyJ.x.y.z"));
        assert!(!looks_like_jwt("eyJ a.b.c"));
    }

    #[test]
    fn authorization_values() {
        for v in [
            "Bearer abcdefgh12",
            "bearer  abc.def-ghi~",
            "ApiKey whatever123",
            "Basic dXNlcjpwYXNz",
            "BASIC dXNlcjpwYXNz",
        ] {
            assert!(is_credential_value(v), "{v}");
        }
        for v in ["bearer of bad news", "Bearer short", "basic training", "Basic aGVsbG8=", "Bearer", "hello world"] {
            assert!(!is_credential_value(v), "{v}");
        }
    }
}
