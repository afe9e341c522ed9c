//! Where API-key records live.

use std::fmt;
use std::future::Future;

use super::hash::ApiKeyHash;
use super::record::ApiKeyRecord;

/// A store of [`ApiKeyRecord`]s, found by [`ApiKeyHash`].
///
/// * [`MemoryApiKeyStore`](super::MemoryApiKeyStore): one process;
/// * `RedisApiKeyStore` (feature `redis`): shared by every server process.
///
/// A database-backed store implements these four operations on a table
/// keyed by the hash (see [`StoredApiKey`](super::StoredApiKey)); `rotate`
/// must be atomic (a transaction, or an `UPDATE ... WHERE rotated_at IS NULL
/// AND revoked_at IS NULL` whose row count decides).
pub trait ApiKeyStore: Send + Sync {
    /// The record with this hash, if any.
    fn get(&self, hash: &ApiKeyHash) -> impl Future<Output = Result<Option<ApiKeyRecord>, ApiKeyStoreError>> + Send;

    /// Adds a record; `false` (and nothing written) if its hash exists.
    fn insert(&self, record: &ApiKeyRecord) -> impl Future<Output = Result<bool, ApiKeyStoreError>> + Send;

    /// Marks a record revoked at `at` (Unix seconds; an earlier revocation
    /// time is kept); `false` if there is no such record.
    fn revoke(&self, hash: &ApiKeyHash, at: i64) -> impl Future<Output = Result<bool, ApiKeyStoreError>> + Send;

    /// Atomically: if `old` exists, is neither revoked nor already rotated,
    /// and `new`'s hash does not exist, inserts `new`, marks `old` rotated at
    /// `new`'s creation time ([`ApiKeyRecord::rotated_at`]) and lowers its
    /// expiry to `old_expires_at` (if that is earlier), and answers `true`;
    /// otherwise writes nothing and answers `false`.
    ///
    /// The check of the mark and its setting must be one step (a Lua script,
    /// a transaction with a conditional update): of concurrent rotations of
    /// one key exactly one may succeed, or a key would get several live
    /// successors.
    fn rotate(
        &self,
        old: &ApiKeyHash,
        new: &ApiKeyRecord,
        old_expires_at: i64,
    ) -> impl Future<Output = Result<bool, ApiKeyStoreError>> + Send;
}

/// A store failure. Verification logs it (with `tracing`) and answers
/// [`ApiKeyError::StoreUnavailable`](super::ApiKeyError::StoreUnavailable).
pub struct ApiKeyStoreError(Box<dyn std::error::Error + Send + Sync>);

impl ApiKeyStoreError {
    /// Wraps the cause of a failure.
    pub fn new(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ApiKeyStoreError(cause.into())
    }
}

impl fmt::Debug for ApiKeyStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ApiKeyStoreError").field(&self.0).finish()
    }
}

impl fmt::Display for ApiKeyStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "API key store failure: {}", self.0)
    }
}

impl std::error::Error for ApiKeyStoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}
