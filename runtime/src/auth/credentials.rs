//! The `Authorization` header, read strictly: `Bearer <token>` or
//! `ApiKey <key>`, nothing else.
//!
//! Lenient parsers (several spaces, tabs, a trailing space, two schemes, a
//! comma-separated list) are how one component sees a credential another
//! does not, so this one accepts exactly one form: the scheme, one space,
//! the credential (RFC 9110 section 11.4, RFC 6750 section 2.1).

use std::fmt;

use super::api_key::{ApiKey, ApiKeyError};

/// The longest `Authorization` value read: 8 KiB of credential (the JWT
/// validator's default maximum) plus the scheme.
pub const MAX_AUTHORIZATION_LEN: usize = 8 * 1024 + 16;

/// A credential from an `Authorization` header. The bearer token is not
/// validated here, only its syntax; pass it to a JWT validator.
#[derive(Clone)]
pub enum Credentials<'a> {
    /// `Bearer <token>`: a token in RFC 6750's `b64token` syntax.
    Bearer(&'a str),
    /// `ApiKey <key>`: a key whose format and checksum are valid.
    ApiKey(ApiKey),
}

/// Why an `Authorization` header was refused. Never carries the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthorizationError {
    /// Empty value.
    Empty,
    /// Longer than [`MAX_AUTHORIZATION_LEN`].
    TooLong,
    /// Not `<scheme> <credential>` with exactly one space and no other
    /// whitespace, or a bearer token outside `b64token`.
    Malformed,
    /// A scheme other than `Bearer` and `ApiKey` (e.g. `Basic`).
    UnsupportedScheme,
    /// The `ApiKey` credential is not a valid key.
    ApiKey(ApiKeyError),
}

impl<'a> Credentials<'a> {
    /// Parses an `Authorization` header value. Schemes compare
    /// case-insensitively (RFC 9110); everything else is exact.
    ///
    /// ```
    /// use apishield::auth::credentials::{AuthorizationError, Credentials};
    ///
    /// assert!(matches!(Credentials::from_authorization("Bearer eyJhbGciOi.e30.sig"), Ok(Credentials::Bearer(_))));
    /// assert_eq!(Credentials::from_authorization("Bearer  two-spaces").unwrap_err(), AuthorizationError::Malformed);
    /// assert_eq!(Credentials::from_authorization("Basic dXNlcjpwYXNz").unwrap_err(), AuthorizationError::UnsupportedScheme);
    /// ```
    pub fn from_authorization(value: &'a str) -> Result<Credentials<'a>, AuthorizationError> {
        if value.is_empty() {
            return Err(AuthorizationError::Empty);
        }
        if value.len() > MAX_AUTHORIZATION_LEN {
            return Err(AuthorizationError::TooLong);
        }
        let (scheme, credential) = value.split_once(' ').ok_or(AuthorizationError::Malformed)?;
        if scheme.is_empty() || credential.is_empty() || !scheme.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(AuthorizationError::Malformed);
        }
        if scheme.eq_ignore_ascii_case("Bearer") {
            if !is_b64token(credential) {
                return Err(AuthorizationError::Malformed);
            }
            Ok(Credentials::Bearer(credential))
        } else if scheme.eq_ignore_ascii_case("ApiKey") {
            if credential.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) {
                return Err(AuthorizationError::Malformed);
            }
            ApiKey::parse(credential).map(Credentials::ApiKey).map_err(AuthorizationError::ApiKey)
        } else {
            Err(AuthorizationError::UnsupportedScheme)
        }
    }
}

/// RFC 6750: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
fn is_b64token(token: &str) -> bool {
    let body = token.trim_end_matches('=');
    // A fold without early exit over comparisons, not `all` over a lookup:
    // the compiler checks 16 bytes at a time (a JWT is hundreds of bytes,
    // and this ran at ten instructions a byte).
    !body.is_empty() && body.bytes().fold(true, |ok, b| ok & is_b64token_byte(b))
}

#[inline(always)]
fn is_b64token_byte(b: u8) -> bool {
    // Letters of either case and digits as one unsigned comparison each.
    let letter = (b | 0x20).wrapping_sub(b'a') < 26;
    let digit = b.wrapping_sub(b'0') < 10;
    letter | digit | (b == b'-') | (b == b'.') | (b == b'_') | (b == b'~') | (b == b'+') | (b == b'/')
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::Bearer(_) => f.write_str("Bearer([REDACTED])"),
            Credentials::ApiKey(key) => f.debug_tuple("ApiKey").field(key).finish(),
        }
    }
}

impl fmt::Display for AuthorizationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthorizationError::Empty => f.write_str("empty Authorization header"),
            AuthorizationError::TooLong => f.write_str("Authorization header too long"),
            AuthorizationError::Malformed => f.write_str("malformed Authorization header"),
            AuthorizationError::UnsupportedScheme => f.write_str("unsupported Authorization scheme"),
            AuthorizationError::ApiKey(error) => fmt::Display::fmt(error, f),
        }
    }
}

impl std::error::Error for AuthorizationError {}

#[cfg(test)]
mod tests {
    use super::{AuthorizationError, Credentials, MAX_AUTHORIZATION_LEN, is_b64token_byte};

    #[test]
    fn the_b64token_alphabet_is_rfc_6750s_for_every_byte() {
        for b in 0..=u8::MAX {
            let rfc = b.is_ascii_alphanumeric() || b"-._~+/".contains(&b);
            assert_eq!(is_b64token_byte(b), rfc, "byte {b:#04x}");
        }
    }
    use crate::auth::api_key::{ApiKey, ApiKeyEnvironment, ApiKeyError, ApiKeyKind};

    #[test]
    fn one_scheme_one_space_one_credential() {
        let key = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Live).unwrap();
        let k = key.expose_secret();
        for good in [format!("ApiKey {k}"), format!("apikey {k}"), format!("APIKEY {k}")] {
            assert!(matches!(Credentials::from_authorization(&good), Ok(Credentials::ApiKey(_))), "{good}");
        }
        for good in ["Bearer abc.def.ghi", "bearer abc", "Bearer a+/b==", "Bearer a-b_c~d"] {
            assert!(matches!(Credentials::from_authorization(good), Ok(Credentials::Bearer(_))), "{good}");
        }
        for bad in [
            format!("ApiKey  {k}"),
            format!("ApiKey {k} "),
            format!(" ApiKey {k}"),
            format!("ApiKey\t{k}"),
            format!("ApiKey {k}\n"),
            "Bearer".to_string(),
            "Bearer ".to_string(),
            "Bearer a b".to_string(),
            "Bearer =".to_string(),
            "Bearer a=b".to_string(),
            "Bearer a,b".to_string(),
            "Bearer: abc".to_string(),
        ] {
            assert_eq!(Credentials::from_authorization(&bad).unwrap_err(), AuthorizationError::Malformed, "{bad:?}");
        }
        assert_eq!(Credentials::from_authorization("").unwrap_err(), AuthorizationError::Empty);
        assert_eq!(
            Credentials::from_authorization(&format!("Bearer {}", "a".repeat(MAX_AUTHORIZATION_LEN))).unwrap_err(),
            AuthorizationError::TooLong
        );
        assert_eq!(Credentials::from_authorization("Digest abc").unwrap_err(), AuthorizationError::UnsupportedScheme);
        assert_eq!(
            Credentials::from_authorization("ApiKey sk-live-nope").unwrap_err(),
            AuthorizationError::ApiKey(ApiKeyError::Malformed)
        );
    }

    #[test]
    fn api_key_entry_point_maps_header_problems() {
        assert_eq!(ApiKey::from_authorization("Bearer abc").unwrap_err(), ApiKeyError::WrongScheme);
        assert_eq!(ApiKey::from_authorization("Basic abc").unwrap_err(), ApiKeyError::WrongScheme);
        assert_eq!(ApiKey::from_authorization("ApiKey  x").unwrap_err(), ApiKeyError::MalformedHeader);
        assert_eq!(ApiKey::from_authorization("").unwrap_err(), ApiKeyError::MalformedHeader);
    }

    #[test]
    fn debug_never_prints_the_credential() {
        let creds = Credentials::from_authorization("Bearer secret-token").unwrap();
        assert!(!format!("{creds:?}").contains("secret-token"));
    }
}
