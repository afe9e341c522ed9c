//! What a store keeps instead of the key: its SHA-256.

use std::fmt;
use std::hash::{Hash, Hasher};

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::key::ApiKey;

/// The SHA-256 of an API key: the only form in which a key is stored.
///
/// A fast hash is right here (unlike for passwords): a key has 190 random
/// bits, so there is nothing to brute-force, and verification stays a
/// microsecond. A stolen table of hashes authenticates nobody.
///
/// Equality is constant-time ([`subtle`]): a store might find a record by a
/// prefix of the hash or by index, and the final comparison must not tell an
/// attacker how many bytes of a guess were right.
#[derive(Clone, Copy)]
pub struct ApiKeyHash([u8; 32]);

impl ApiKeyHash {
    /// The hash of a key.
    pub fn of(key: &ApiKey) -> ApiKeyHash {
        ApiKeyHash(Sha256::digest(key.expose_secret().as_bytes()).into())
    }

    /// A hash from its 64 lowercase or uppercase hex digits (an id shown in
    /// an admin page, a database column).
    pub fn from_hex(hex: &str) -> Option<ApiKeyHash> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(hex, &mut bytes).ok()?;
        Some(ApiKeyHash(bytes))
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

impl PartialEq for ApiKeyHash {
    fn eq(&self, other: &ApiKeyHash) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for ApiKeyHash {}

impl Hash for ApiKeyHash {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl fmt::Debug for ApiKeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKeyHash({}…)", &self.to_hex()[..12])
    }
}

impl fmt::Display for ApiKeyHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}
