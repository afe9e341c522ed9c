//! The key itself: `sk-live-` + 32 random base62 characters + a 6-character
//! CRC32 checksum.
//!
//! The format follows GitHub's and Stripe's tokens: a readable prefix that
//! says what the key is (secret or publishable, live or test), so a leaked
//! key is recognised by people and by secret scanners; enough randomness
//! that guessing is hopeless (32 base62 characters, 190 bits, from the OS
//! random generator); and a checksum of everything before it, so a scanner
//! can tell a real key from a look-alike offline, and a server can refuse a
//! mistyped or made-up key before touching its store.

use std::fmt;

use zeroize::Zeroizing;

use super::error::ApiKeyError;
use super::hash::ApiKeyHash;
use crate::auth::credentials::{AuthorizationError, Credentials};

/// The number of random characters: 32 base62 characters, 190 bits.
pub const RANDOM_LEN: usize = 32;

/// The number of checksum characters: 6 base62 digits of the CRC32 of the
/// prefix and random part (62^6 > 2^32, so every CRC has one encoding).
pub const CHECKSUM_LEN: usize = 6;

/// The length of a prefix such as `sk-live-`.
pub const PREFIX_LEN: usize = 8;

/// The length of every key: 46 characters.
pub const KEY_LEN: usize = PREFIX_LEN + RANDOM_LEN + CHECKSUM_LEN;

/// How many random characters the [display prefix](ApiKey::display_prefix)
/// shows after the type prefix: 4 (24 of the 190 bits).
pub(crate) const DISPLAY_RANDOM_LEN: usize = 4;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Secret or publishable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiKeyKind {
    /// `sk-`: authenticates a server-side caller; never shown to browsers.
    Secret,
    /// `pk-`: meant to be embedded in client code, so treated as public;
    /// verifiers refuse it unless they allow publishable keys.
    Publishable,
}

impl ApiKeyKind {
    /// `"sk"` or `"pk"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ApiKeyKind::Secret => "sk",
            ApiKeyKind::Publishable => "pk",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<ApiKeyKind> {
        match name {
            "sk" => Some(ApiKeyKind::Secret),
            "pk" => Some(ApiKeyKind::Publishable),
            _ => None,
        }
    }
}

/// Live or test: a test key is refused by a live server and the reverse, so
/// a key from a laptop's `.env` cannot touch production data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiKeyEnvironment {
    /// `live`: production.
    Live,
    /// `test`: development, staging, CI.
    Test,
}

impl ApiKeyEnvironment {
    /// `"live"` or `"test"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ApiKeyEnvironment::Live => "live",
            ApiKeyEnvironment::Test => "test",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<ApiKeyEnvironment> {
        match name {
            "live" => Some(ApiKeyEnvironment::Live),
            "test" => Some(ApiKeyEnvironment::Test),
            _ => None,
        }
    }
}

/// An API key whose format and checksum are valid (its existence in a store
/// is checked by an [`ApiKeyVerifier`](super::ApiKeyVerifier)).
///
/// It is a credential: `Debug` shows only the [display
/// prefix](Self::display_prefix), there is no `Display`, the string is wiped
/// on drop, and reading it is explicit ([`expose_secret`](Self::expose_secret),
/// to show it once to its owner).
///
/// ```
/// use apishield::auth::api_key::{ApiKey, ApiKeyEnvironment, ApiKeyError, ApiKeyKind};
///
/// let key = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Live)?;
/// assert!(key.expose_secret().starts_with("sk-live-"));
///
/// let header = format!("ApiKey {}", key.expose_secret());
/// assert_eq!(ApiKey::from_authorization(&header)?.hash(), key.hash());
///
/// let mut typo = key.expose_secret().to_string();
/// typo.replace_range(10..11, if &typo[10..11] == "x" { "y" } else { "x" });
/// assert_eq!(ApiKey::parse(&typo).unwrap_err(), ApiKeyError::BadChecksum);
/// # Ok::<(), ApiKeyError>(())
/// ```
#[derive(Clone)]
pub struct ApiKey {
    secret: Zeroizing<String>,
    kind: ApiKeyKind,
    environment: ApiKeyEnvironment,
}

impl ApiKey {
    /// A new key from the operating system's random generator.
    pub fn generate(kind: ApiKeyKind, environment: ApiKeyEnvironment) -> Result<ApiKey, ApiKeyError> {
        let mut secret = Zeroizing::new(String::with_capacity(KEY_LEN));
        secret.push_str(kind.as_str());
        secret.push('-');
        secret.push_str(environment.as_str());
        secret.push('-');
        let mut pool = Zeroizing::new([0u8; 64]);
        while secret.len() < PREFIX_LEN + RANDOM_LEN {
            getrandom::fill(pool.as_mut_slice()).map_err(|_| ApiKeyError::Randomness)?;
            // Rejection sampling: bytes 248..=255 would make `% 62` favour
            // the first characters, so they are dropped.
            for &byte in pool.iter().filter(|&&b| b < 248) {
                if secret.len() == PREFIX_LEN + RANDOM_LEN {
                    break;
                }
                secret.push(char::from(BASE62[usize::from(byte % 62)]));
            }
        }
        let checksum = checksum_digits(secret.as_bytes());
        secret.extend(checksum.iter().map(|&b| char::from(b)));
        Ok(ApiKey { secret, kind, environment })
    }

    /// Parses a key: exactly [`KEY_LEN`] characters, a known prefix, base62
    /// after it, and a matching checksum. Never looks anything up.
    pub fn parse(text: &str) -> Result<ApiKey, ApiKeyError> {
        if text.len() != KEY_LEN || !text.is_ascii() {
            return Err(ApiKeyError::Malformed);
        }
        let (prefix, rest) = text.split_at(PREFIX_LEN);
        if prefix.as_bytes()[2] != b'-' || prefix.as_bytes()[7] != b'-' {
            return Err(ApiKeyError::Malformed);
        }
        let kind = ApiKeyKind::from_name(&prefix[..2]).ok_or(ApiKeyError::Malformed)?;
        let environment = ApiKeyEnvironment::from_name(&prefix[3..7]).ok_or(ApiKeyError::Malformed)?;
        if !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ApiKeyError::Malformed);
        }
        let (body, sum) = text.split_at(PREFIX_LEN + RANDOM_LEN);
        // The checksum is derived from the key the caller sent, not from any
        // stored secret, so comparing it in variable time reveals nothing.
        if checksum_digits(body.as_bytes()) != sum.as_bytes() {
            return Err(ApiKeyError::BadChecksum);
        }
        Ok(ApiKey { secret: Zeroizing::new(text.to_owned()), kind, environment })
    }

    /// The key from an `Authorization` header value, which must be exactly
    /// `ApiKey <key>`: the scheme (any case, RFC 9110), one space, the key;
    /// no other whitespace, nothing after it. A Bearer header is
    /// [`ApiKeyError::WrongScheme`].
    pub fn from_authorization(header_value: &str) -> Result<ApiKey, ApiKeyError> {
        match Credentials::from_authorization(header_value) {
            Ok(Credentials::ApiKey(key)) => Ok(key),
            Ok(Credentials::Bearer(_)) | Err(AuthorizationError::UnsupportedScheme) => Err(ApiKeyError::WrongScheme),
            Err(AuthorizationError::ApiKey(error)) => Err(error),
            Err(_) => Err(ApiKeyError::MalformedHeader),
        }
    }

    /// Secret or publishable.
    pub fn kind(&self) -> ApiKeyKind {
        self.kind
    }

    /// Live or test.
    pub fn environment(&self) -> ApiKeyEnvironment {
        self.environment
    }

    /// The start of the key, safe to show its owner and to store
    /// (`sk-live-AbC1`): the type prefix and the first 4 random characters,
    /// to tell a user's keys apart in a dashboard. The log of a refused key
    /// leaves it out: that key may be a real one, expired or revoked.
    pub fn display_prefix(&self) -> &str {
        &self.secret[..PREFIX_LEN + DISPLAY_RANDOM_LEN]
    }

    /// The SHA-256 hash, which is all a store keeps.
    pub fn hash(&self) -> ApiKeyHash {
        ApiKeyHash::of(self)
    }

    /// The key itself, to show once to its owner.
    pub fn expose_secret(&self) -> &str {
        &self.secret
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey").field("display_prefix", &self.display_prefix()).finish_non_exhaustive()
    }
}

/// The checksum of a key's prefix and random part: CRC32 (IEEE, as in zlib
/// and GitHub tokens) in 6 base62 digits, most significant first.
pub fn checksum(body: &[u8]) -> String {
    checksum_digits(body).iter().map(|&b| char::from(b)).collect()
}

fn checksum_digits(body: &[u8]) -> [u8; CHECKSUM_LEN] {
    let mut crc = crc32fast::hash(body);
    let mut digits = [b'0'; CHECKSUM_LEN];
    for digit in digits.iter_mut().rev() {
        *digit = BASE62[(crc % 62) as usize];
        crc /= 62;
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::{ApiKey, ApiKeyEnvironment, ApiKeyError, ApiKeyKind, KEY_LEN, checksum};

    #[test]
    fn generated_keys_have_the_format_and_parse_back() {
        for kind in [ApiKeyKind::Secret, ApiKeyKind::Publishable] {
            for env in [ApiKeyEnvironment::Live, ApiKeyEnvironment::Test] {
                let key = ApiKey::generate(kind, env).unwrap();
                let text = key.expose_secret();
                assert_eq!(text.len(), KEY_LEN);
                assert!(text.starts_with(&format!("{}-{}-", kind.as_str(), env.as_str())));
                let parsed = ApiKey::parse(text).unwrap();
                assert_eq!((parsed.kind(), parsed.environment()), (kind, env));
                assert_eq!(parsed.hash(), key.hash());
            }
        }
    }

    #[test]
    fn the_checksum_is_a_crc32_a_scanner_can_recompute() {
        // The six base62 digits decode back to zlib's CRC32 of the body.
        let body = format!("sk-live-{}", "a".repeat(32));
        let crc = crc32fast::hash(body.as_bytes());
        let mut n = 0u64;
        for c in checksum(body.as_bytes()).bytes() {
            let digit = match c {
                b'0'..=b'9' => c - b'0',
                b'A'..=b'Z' => c - b'A' + 10,
                _ => c - b'a' + 36,
            };
            n = n * 62 + u64::from(digit);
        }
        assert_eq!(n, u64::from(crc));
        assert!(ApiKey::parse(&format!("{body}{}", checksum(body.as_bytes()))).is_ok());
    }

    #[test]
    fn refuses_what_is_not_a_key() {
        let key = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Test).unwrap();
        let text = key.expose_secret();
        for bad in [
            String::new(),
            text[..KEY_LEN - 1].to_string(),
            format!("{text}0"),
            text.replacen("sk-test-", "sk_test_", 1),
            text.replacen("sk-test-", "xk-test-", 1),
            text.replacen("sk-test-", "sk-prod-", 1),
            format!("{}-{}", &text[..20], &text[21..]),
            format!("{}é{}", &text[..20], &text[22..]),
        ] {
            assert_eq!(ApiKey::parse(&bad).unwrap_err(), ApiKeyError::Malformed, "{bad}");
        }
        let swapped = text.replacen("sk-test-", "sk-live-", 1);
        assert_eq!(ApiKey::parse(&swapped).unwrap_err(), ApiKeyError::BadChecksum);
    }

    #[test]
    fn debug_shows_only_the_display_prefix() {
        let key = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Live).unwrap();
        let debug = format!("{key:?}");
        assert!(debug.contains(key.display_prefix()));
        assert!(!debug.contains(&key.expose_secret()[12..]));
        assert_eq!(key.display_prefix().len(), 12);
    }
}
