//! The signature algorithms a validator can be configured with.

use std::fmt;

/// A JWS signature algorithm (RFC 7518 names, plus EdDSA of RFC 8037).
///
/// There is no `none`: an unsigned token never validates. A key is bound to
/// exactly one algorithm when it is loaded ([`JwtKey`](super::JwtKey)), and a
/// validator accepts exactly the algorithms of its keys: the list comes from
/// configuration, never from a token header.
#[allow(clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum JwtAlgorithm {
    /// HMAC with SHA-256; key of at least 32 bytes.
    HS256,
    /// HMAC with SHA-384; key of at least 48 bytes.
    HS384,
    /// HMAC with SHA-512; key of at least 64 bytes.
    HS512,
    /// RSASSA-PKCS1-v1_5 with SHA-256; modulus of at least 2048 bits.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// Ed25519 (RFC 8037).
    EdDSA,
}

/// The kind of key an algorithm needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyFamily {
    Hmac,
    Rsa,
    Ec,
    Ed,
}

impl JwtAlgorithm {
    /// Every algorithm, in declaration order.
    pub const ALL: [JwtAlgorithm; 12] = [
        JwtAlgorithm::HS256,
        JwtAlgorithm::HS384,
        JwtAlgorithm::HS512,
        JwtAlgorithm::RS256,
        JwtAlgorithm::RS384,
        JwtAlgorithm::RS512,
        JwtAlgorithm::PS256,
        JwtAlgorithm::PS384,
        JwtAlgorithm::PS512,
        JwtAlgorithm::ES256,
        JwtAlgorithm::ES384,
        JwtAlgorithm::EdDSA,
    ];

    /// The name in a JOSE header (`"RS256"`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            JwtAlgorithm::HS256 => "HS256",
            JwtAlgorithm::HS384 => "HS384",
            JwtAlgorithm::HS512 => "HS512",
            JwtAlgorithm::RS256 => "RS256",
            JwtAlgorithm::RS384 => "RS384",
            JwtAlgorithm::RS512 => "RS512",
            JwtAlgorithm::PS256 => "PS256",
            JwtAlgorithm::PS384 => "PS384",
            JwtAlgorithm::PS512 => "PS512",
            JwtAlgorithm::ES256 => "ES256",
            JwtAlgorithm::ES384 => "ES384",
            JwtAlgorithm::EdDSA => "EdDSA",
        }
    }

    /// The algorithm with this exact header name. JOSE names are
    /// case-sensitive: `"rs256"` is not an algorithm, and neither is `"none"`.
    pub fn from_name(name: &str) -> Option<JwtAlgorithm> {
        JwtAlgorithm::ALL.into_iter().find(|alg| alg.as_str() == name)
    }

    /// Whether this is an HMAC (shared secret) algorithm.
    pub const fn is_hmac(self) -> bool {
        matches!(self, JwtAlgorithm::HS256 | JwtAlgorithm::HS384 | JwtAlgorithm::HS512)
    }

    pub(crate) const fn family(self) -> KeyFamily {
        match self {
            JwtAlgorithm::HS256 | JwtAlgorithm::HS384 | JwtAlgorithm::HS512 => KeyFamily::Hmac,
            JwtAlgorithm::RS256
            | JwtAlgorithm::RS384
            | JwtAlgorithm::RS512
            | JwtAlgorithm::PS256
            | JwtAlgorithm::PS384
            | JwtAlgorithm::PS512 => KeyFamily::Rsa,
            JwtAlgorithm::ES256 | JwtAlgorithm::ES384 => KeyFamily::Ec,
            JwtAlgorithm::EdDSA => KeyFamily::Ed,
        }
    }

    /// The shortest HMAC key for this algorithm: the hash's output size
    /// (RFC 7518 section 3.2), so HS256 needs 32 bytes, HS384 48, HS512 64.
    pub(crate) const fn min_secret_len(self) -> usize {
        match self {
            JwtAlgorithm::HS384 => 48,
            JwtAlgorithm::HS512 => 64,
            _ => 32,
        }
    }

    /// A bit of an [`AlgorithmSet`].
    const fn bit(self) -> u16 {
        1 << (self as u16)
    }

    pub(crate) const fn to_jsonwebtoken(self) -> jsonwebtoken::Algorithm {
        use jsonwebtoken::Algorithm as A;
        match self {
            JwtAlgorithm::HS256 => A::HS256,
            JwtAlgorithm::HS384 => A::HS384,
            JwtAlgorithm::HS512 => A::HS512,
            JwtAlgorithm::RS256 => A::RS256,
            JwtAlgorithm::RS384 => A::RS384,
            JwtAlgorithm::RS512 => A::RS512,
            JwtAlgorithm::PS256 => A::PS256,
            JwtAlgorithm::PS384 => A::PS384,
            JwtAlgorithm::PS512 => A::PS512,
            JwtAlgorithm::ES256 => A::ES256,
            JwtAlgorithm::ES384 => A::ES384,
            JwtAlgorithm::EdDSA => A::EdDSA,
        }
    }
}

impl fmt::Display for JwtAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of algorithms, one bit each: what a key set accepts, checked
/// without allocating on every token.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct AlgorithmSet(u16);

impl AlgorithmSet {
    pub(crate) fn insert(&mut self, alg: JwtAlgorithm) {
        self.0 |= alg.bit();
    }

    pub(crate) const fn contains(self, alg: JwtAlgorithm) -> bool {
        self.0 & alg.bit() != 0
    }

    pub(crate) fn iter(self) -> impl Iterator<Item = JwtAlgorithm> {
        JwtAlgorithm::ALL.into_iter().filter(move |alg| self.contains(*alg))
    }
}

#[cfg(test)]
mod tests {
    use super::{AlgorithmSet, JwtAlgorithm};

    #[test]
    fn names_round_trip_and_are_case_sensitive() {
        for alg in JwtAlgorithm::ALL {
            assert_eq!(JwtAlgorithm::from_name(alg.as_str()), Some(alg));
            assert_eq!(JwtAlgorithm::from_name(&alg.as_str().to_ascii_lowercase()), None);
        }
        assert_eq!(JwtAlgorithm::from_name("none"), None);
    }

    #[test]
    fn sets_hold_exactly_what_was_inserted() {
        let mut set = AlgorithmSet::default();
        set.insert(JwtAlgorithm::RS256);
        set.insert(JwtAlgorithm::EdDSA);
        assert_eq!(set.iter().collect::<Vec<_>>(), [JwtAlgorithm::RS256, JwtAlgorithm::EdDSA]);
        assert!(!set.contains(JwtAlgorithm::HS256));
    }
}
