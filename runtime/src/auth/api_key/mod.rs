//! API keys done like the best providers: recognisable, checksummed,
//! hashed at rest, scoped, expiring, revocable, per environment.
//!
//! * [`ApiKey`]: `sk-live-` / `sk-test-` / `pk-live-` / `pk-test-`, 32
//!   random base62 characters (190 bits from the OS generator) and a
//!   6-character CRC32 checksum a secret scanner can verify offline;
//!   [`ApiKey::from_authorization`] reads `Authorization: ApiKey <key>`
//!   strictly;
//! * [`ApiKeyHash`]: the SHA-256 of the key, the only thing stored;
//! * [`ApiKeyRecord`]: display prefix, owner, scopes, environment, created,
//!   expires (at most 90 days), revoked; it makes the
//!   [`Principal`](crate::Principal);
//! * [`ApiKeyStore`]: [`MemoryApiKeyStore`], or `RedisApiKeyStore` (feature
//!   `redis`) for several processes;
//! * [`ApiKeyIssuer`]: issue, rotate (the old key stays valid for a grace
//!   period; a key is rotated at most once, atomically in every store),
//!   revoke;
//! * [`ApiKeyVerifier`]: per request; refuses a bad checksum before any
//!   lookup, a key of the other environment, a publishable key (unless
//!   allowed), an unknown, revoked or expired key and a missing scope, each
//!   with its own [`ApiKeyError`].
//!
//! # Defaults
//!
//! | Setting | Default |
//! | --- | --- |
//! | key lifetime | 90 days, the maximum ([`MAX_KEY_LIFETIME`]) |
//! | rotation grace | chosen per call; [`DEFAULT_ROTATION_GRACE`] is 24 h |
//! | publishable keys | refused by verifiers ([`ApiKeyVerifier::allow_publishable`]) |
//! | Authorization header | at most [`MAX_AUTHORIZATION_LEN`](crate::auth::credentials::MAX_AUTHORIZATION_LEN) bytes |

mod error;
mod hash;
mod issuer;
mod key;
mod memory;
mod record;
#[cfg(feature = "redis")]
mod redis;
mod store;
mod verifier;

pub use error::ApiKeyError;
pub use hash::ApiKeyHash;
pub use issuer::ApiKeyIssuer;
pub use key::{ApiKey, ApiKeyEnvironment, ApiKeyKind, CHECKSUM_LEN, KEY_LEN, PREFIX_LEN, RANDOM_LEN, checksum};
pub use memory::MemoryApiKeyStore;
pub use record::{
    API_KEY_ISSUER, ApiKeyRecord, MAX_KEY_LIFETIME, MAX_OWNER_LEN, MAX_SCOPE_LEN, MAX_SCOPES, StoredApiKey,
};
#[cfg(feature = "redis")]
pub use redis::RedisApiKeyStore;
pub use store::{ApiKeyStore, ApiKeyStoreError};
pub use verifier::{ApiKeyVerifier, DEFAULT_ROTATION_GRACE};
