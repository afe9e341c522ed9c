//! Refresh tokens: opaque, 256 random bits, known to the server only by
//! their SHA-256.

use std::fmt;
use std::hash::{Hash, Hasher};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::error::TokenError;

/// What every refresh token starts with: `rt_` (a secret scanner and a log
/// filter recognise one; the revocation endpoint tells it from a JWT).
pub const REFRESH_TOKEN_PREFIX: &str = "rt_";

/// Random bytes in a refresh token: 32 (256 bits).
pub const REFRESH_TOKEN_BYTES: usize = 32;

/// The length of a refresh token: the prefix and 43 base64url characters.
pub const REFRESH_TOKEN_LEN: usize = REFRESH_TOKEN_PREFIX.len() + 43;

/// A refresh token: `rt_` and 256 random bits from the operating system, in
/// base64url. A bearer credential: `Debug` and `Display` redact it, it is
/// wiped on drop, and reading it is an explicit
/// [`expose_secret`](Self::expose_secret). The server keeps only its
/// [`RefreshTokenHash`].
#[derive(Clone)]
pub struct RefreshToken(Zeroizing<String>);

impl RefreshToken {
    /// A new token from the OS random generator.
    pub fn generate() -> Result<RefreshToken, TokenError> {
        let mut bytes = Zeroizing::new([0u8; REFRESH_TOKEN_BYTES]);
        getrandom::fill(bytes.as_mut_slice()).map_err(|_| TokenError::Randomness)?;
        let mut token = Zeroizing::new(String::with_capacity(REFRESH_TOKEN_LEN));
        token.push_str(REFRESH_TOKEN_PREFIX);
        URL_SAFE_NO_PAD.encode_string(bytes.as_slice(), &mut token);
        Ok(RefreshToken(token))
    }

    /// Reads a token a client sent: exactly `rt_` and 43 base64url
    /// characters, or [`TokenError::Malformed`] (the value is not kept nor
    /// echoed).
    pub fn parse(text: &str) -> Result<RefreshToken, TokenError> {
        if text.len() != REFRESH_TOKEN_LEN {
            return Err(TokenError::Malformed);
        }
        let Some(body) = text.strip_prefix(REFRESH_TOKEN_PREFIX) else {
            return Err(TokenError::Malformed);
        };
        // Canonical base64url of exactly 32 bytes (no stray trailing bits).
        let mut bytes = Zeroizing::new([0u8; REFRESH_TOKEN_BYTES + 2]);
        match URL_SAFE_NO_PAD.decode_slice(body, bytes.as_mut_slice()) {
            Ok(REFRESH_TOKEN_BYTES) => Ok(RefreshToken(Zeroizing::new(text.to_owned()))),
            _ => Err(TokenError::Malformed),
        }
    }

    /// Whether `text` has the shape of a refresh token (not whether one
    /// was issued).
    pub fn looks_like(text: &str) -> bool {
        text.len() == REFRESH_TOKEN_LEN && text.starts_with(REFRESH_TOKEN_PREFIX)
    }

    /// The token itself, to hand to its client (a cookie, a token response).
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    /// Its SHA-256, what a store keeps.
    pub fn hash(&self) -> RefreshTokenHash {
        RefreshTokenHash(Sha256::digest(self.0.as_bytes()).into())
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken([REDACTED])")
    }
}

impl fmt::Display for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// The SHA-256 of a refresh token: the only form in which one is stored.
/// A fast hash is right for 256 random bits (nothing to brute-force); a
/// stolen table of hashes refreshes nothing. Equality is constant-time.
#[derive(Clone, Copy)]
pub struct RefreshTokenHash([u8; 32]);

impl RefreshTokenHash {
    /// A hash from its 64 hex digits (a database column, a Redis key).
    pub fn from_hex(hex: &str) -> Option<RefreshTokenHash> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(hex, &mut bytes).ok()?;
        Some(RefreshTokenHash(bytes))
    }

    /// The 64 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl PartialEq for RefreshTokenHash {
    fn eq(&self, other: &RefreshTokenHash) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for RefreshTokenHash {}

impl Hash for RefreshTokenHash {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl fmt::Debug for RefreshTokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RefreshTokenHash({}…)", &self.to_hex()[..12])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_parse_back() {
        let a = RefreshToken::generate().unwrap();
        let b = RefreshToken::generate().unwrap();
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(a.expose_secret().len(), REFRESH_TOKEN_LEN);
        assert!(a.expose_secret().starts_with("rt_"));
        let parsed = RefreshToken::parse(a.expose_secret()).unwrap();
        assert_eq!(parsed.hash(), a.hash());
        assert_ne!(a.hash(), b.hash());
        assert!(!format!("{a:?} {a}").contains(&a.expose_secret()[3..]));
        assert_eq!(RefreshTokenHash::from_hex(&a.hash().to_hex()), Some(a.hash()));
    }

    #[test]
    fn anything_else_is_malformed() {
        let good = RefreshToken::generate().unwrap();
        let body = &good.expose_secret()[3..];
        for bad in [
            String::new(),
            body.to_owned(),
            format!("xx_{body}"),
            format!("rt_{}", &body[1..]),
            format!("rt_{body}A"),
            format!("rt_{}=", &body[..42]),
            format!("rt_{}+", &body[..42]),
            // 43 characters whose last one has non-zero trailing bits.
            format!("rt_{}B", &body[..42]),
        ] {
            if bad == good.expose_secret() {
                continue;
            }
            assert_eq!(RefreshToken::parse(&bad).unwrap_err(), TokenError::Malformed, "{bad}");
        }
    }
}
