//! Where API-key records live.

use std::fmt;
use std::sync::Arc;

use super::hash::ApiKeyHash;
use super::record::ApiKeyRecord;
use crate::store::BoxFuture;

/// A store of [`ApiKeyRecord`]s, found by [`ApiKeyHash`].
///
/// * [`MemoryApiKeyStore`](super::MemoryApiKeyStore): one process;
/// * `RedisApiKeyStore` (feature `redis`): shared by every server process.
///
/// Object safe (see [`crate::store`]): an `Arc<dyn ApiKeyStore>` is a
/// store, as is an `Arc` of any store. A database-backed store implements
/// these four operations, each a `Box::pin(async move { .. })`, on a table
/// keyed by the hash (see [`StoredApiKey`](super::StoredApiKey)); `rotate`
/// must be atomic (a transaction, or an `UPDATE ... WHERE rotated_at IS NULL
/// AND revoked_at IS NULL` whose row count decides).
pub trait ApiKeyStore: Send + Sync {
    /// The record with this hash, if any.
    fn get<'a>(&'a self, hash: &'a ApiKeyHash) -> BoxFuture<'a, Result<Option<ApiKeyRecord>, ApiKeyStoreError>>;

    /// Adds a record; `false` (and nothing written) if its hash exists.
    fn insert<'a>(&'a self, record: &'a ApiKeyRecord) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>>;

    /// Marks a record revoked at `at` (Unix seconds; an earlier revocation
    /// time is kept); `false` if there is no such record.
    fn revoke<'a>(&'a self, hash: &'a ApiKeyHash, at: i64) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>>;

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
    fn rotate<'a>(
        &'a self,
        old: &'a ApiKeyHash,
        new: &'a ApiKeyRecord,
        old_expires_at: i64,
    ) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>>;
}

impl<S: ApiKeyStore + ?Sized> ApiKeyStore for Arc<S> {
    fn get<'a>(&'a self, hash: &'a ApiKeyHash) -> BoxFuture<'a, Result<Option<ApiKeyRecord>, ApiKeyStoreError>> {
        (**self).get(hash)
    }

    fn insert<'a>(&'a self, record: &'a ApiKeyRecord) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
        (**self).insert(record)
    }

    fn revoke<'a>(&'a self, hash: &'a ApiKeyHash, at: i64) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
        (**self).revoke(hash, at)
    }

    fn rotate<'a>(
        &'a self,
        old: &'a ApiKeyHash,
        new: &'a ApiKeyRecord,
        old_expires_at: i64,
    ) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
        (**self).rotate(old, new, old_expires_at)
    }
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
