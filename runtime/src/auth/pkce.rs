//! PKCE (RFC 7636) for clients of OAuth 2.0 authorization servers: the
//! `S256` code challenge that binds an authorization code to the client
//! that asked for it.
//!
//! The client generates a [`PkceVerifier`], sends its
//! [`challenge`](PkceVerifier::challenge) with the authorization request
//! (`code_challenge`, `code_challenge_method=S256`), and sends the verifier
//! with the token request (`code_verifier`). Only `S256` exists here: the
//! `plain` method protects nothing against an attacker who sees the
//! authorization request.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// The shortest code verifier, in characters: 43 (RFC 7636 section 4.1).
pub const MIN_VERIFIER_LEN: usize = 43;

/// The longest code verifier, in characters: 128.
pub const MAX_VERIFIER_LEN: usize = 128;

/// Random bytes in a generated verifier: 32 (256 bits, 43 characters), as
/// RFC 7636 section 4.1 recommends.
pub(crate) const GENERATED_VERIFIER_BYTES: usize = 32;

/// A PKCE code verifier: 43 to 128 characters of `A-Z a-z 0-9 - . _ ~`.
/// A secret until the token request: `Debug` redacts it, it is wiped on
/// drop.
///
/// ```
/// use apishield::auth::pkce::PkceVerifier;
///
/// // RFC 7636 appendix B.
/// let verifier = PkceVerifier::from_string("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
/// assert_eq!(verifier.challenge().as_str(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
/// assert_eq!(verifier.challenge().method(), "S256");
/// ```
#[derive(Clone)]
pub struct PkceVerifier(Zeroizing<String>);

/// Why a PKCE value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PkceError {
    /// Not 43 to 128 characters of the unreserved set.
    InvalidVerifier,
    /// The operating system's random generator failed.
    Randomness,
}

impl fmt::Display for PkceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PkceError::InvalidVerifier => "invalid PKCE code verifier",
            PkceError::Randomness => "the OS random generator failed",
        })
    }
}

impl std::error::Error for PkceError {}

impl PkceVerifier {
    /// A new verifier: 32 bytes from the OS random generator, base64url
    /// (43 characters).
    pub fn generate() -> Result<PkceVerifier, PkceError> {
        let mut bytes = Zeroizing::new([0u8; GENERATED_VERIFIER_BYTES]);
        getrandom::fill(bytes.as_mut_slice()).map_err(|_| PkceError::Randomness)?;
        Ok(PkceVerifier(Zeroizing::new(URL_SAFE_NO_PAD.encode(bytes.as_slice()))))
    }

    /// A verifier from its text (a stored one, or a server checking what a
    /// client sent).
    pub fn from_string(verifier: &str) -> Result<PkceVerifier, PkceError> {
        let valid = (MIN_VERIFIER_LEN..=MAX_VERIFIER_LEN).contains(&verifier.len())
            && verifier.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
        if !valid {
            return Err(PkceError::InvalidVerifier);
        }
        Ok(PkceVerifier(Zeroizing::new(verifier.to_owned())))
    }

    /// The `S256` challenge: `BASE64URL(SHA256(verifier))`.
    pub fn challenge(&self) -> PkceChallenge {
        PkceChallenge(URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.as_bytes())))
    }

    /// The verifier, for the token request's `code_verifier`.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PkceVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PkceVerifier([REDACTED])")
    }
}

/// An `S256` code challenge (43 base64url characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PkceChallenge(String);

impl PkceChallenge {
    /// The challenge, for `code_challenge`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Always `"S256"`, for `code_challenge_method`.
    pub fn method(&self) -> &'static str {
        "S256"
    }

    /// The server side: whether `verifier` hashes to this challenge,
    /// compared in constant time.
    pub fn is_satisfied_by(&self, verifier: &PkceVerifier) -> bool {
        verifier.challenge().0.as_bytes().ct_eq(self.0.as_bytes()).into()
    }
}

impl fmt::Display for PkceChallenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::{PkceError, PkceVerifier};

    #[test]
    fn rfc_7636_appendix_b() {
        let verifier = PkceVerifier::from_string("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap();
        let challenge = verifier.challenge();
        assert_eq!(challenge.as_str(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        assert!(challenge.is_satisfied_by(&verifier));
        assert!(!challenge.is_satisfied_by(&PkceVerifier::generate().unwrap()));
    }

    #[test]
    fn generated_verifiers_are_43_unreserved_characters() {
        let a = PkceVerifier::generate().unwrap();
        assert_eq!(a.expose_secret().len(), 43);
        assert!(PkceVerifier::from_string(a.expose_secret()).is_ok());
        assert_ne!(a.expose_secret(), PkceVerifier::generate().unwrap().expose_secret());
        assert_eq!(format!("{a:?}"), "PkceVerifier([REDACTED])");
    }

    #[test]
    fn refuses_bad_verifiers() {
        for bad in ["a".repeat(42), "a".repeat(129), format!("{}+", "a".repeat(42)), format!("{} ", "a".repeat(43))] {
            assert_eq!(PkceVerifier::from_string(&bad).unwrap_err(), PkceError::InvalidVerifier);
        }
    }
}
