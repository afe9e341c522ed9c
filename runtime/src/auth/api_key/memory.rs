//! The in-memory store: one process, no setup.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use super::hash::ApiKeyHash;
use super::record::ApiKeyRecord;
use super::store::{ApiKeyStore, ApiKeyStoreError};
use crate::store::BoxFuture;

/// API-key records in this process's memory. Cheap to clone (clones share
/// the records), so one store can back an issuer and a verifier.
///
/// Records stay until [`purge_expired`](Self::purge_expired) removes them
/// (keys live at most 90 days, so a daily purge keeps the map small).
#[derive(Debug, Clone, Default)]
pub struct MemoryApiKeyStore {
    records: Arc<RwLock<HashMap<ApiKeyHash, ApiKeyRecord>>>,
}

impl MemoryApiKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryApiKeyStore::default()
    }

    /// How many records it holds.
    pub fn len(&self) -> usize {
        self.read().len()
    }

    /// Whether it holds no record.
    pub fn is_empty(&self) -> bool {
        self.read().is_empty()
    }

    /// Removes the records that expired (or were revoked) before `before`
    /// (Unix seconds); answers how many.
    pub fn purge_expired(&self, before: i64) -> usize {
        let mut records = self.write();
        let len = records.len();
        records.retain(|_, r| r.expires_at >= before && r.revoked_at.is_none_or(|at| at >= before));
        len - records.len()
    }

    // The lock is never held across a panic-prone call, so a poisoned lock
    // still guards consistent data.
    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<ApiKeyHash, ApiKeyRecord>> {
        self.records.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<ApiKeyHash, ApiKeyRecord>> {
        self.records.write().unwrap_or_else(PoisonError::into_inner)
    }
}

impl ApiKeyStore for MemoryApiKeyStore {
    fn get<'a>(&'a self, hash: &'a ApiKeyHash) -> BoxFuture<'a, Result<Option<ApiKeyRecord>, ApiKeyStoreError>> {
        Box::pin(std::future::ready(Ok(self.read().get(hash).cloned())))
    }

    fn insert<'a>(&'a self, record: &'a ApiKeyRecord) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
        let mut records = self.write();
        let inserted = !records.contains_key(&record.hash);
        if inserted {
            records.insert(record.hash, record.clone());
        }
        Box::pin(std::future::ready(Ok(inserted)))
    }

    fn revoke<'a>(&'a self, hash: &'a ApiKeyHash, at: i64) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
        let found = match self.write().get_mut(hash) {
            Some(record) => {
                record.revoked_at = Some(record.revoked_at.map_or(at, |earlier| earlier.min(at)));
                true
            }
            None => false,
        };
        Box::pin(std::future::ready(Ok(found)))
    }

    fn rotate<'a>(
        &'a self,
        old: &'a ApiKeyHash,
        new: &'a ApiKeyRecord,
        old_expires_at: i64,
    ) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
        let mut records = self.write();
        let rotated = if records.contains_key(&new.hash) {
            false
        } else {
            // Under the write lock: the check of the rotation mark and its
            // setting are one step, so one of concurrent rotations wins.
            match records.get_mut(old) {
                Some(record) if record.revoked_at.is_none() && record.rotated_at.is_none() => {
                    record.expires_at = record.expires_at.min(old_expires_at);
                    record.rotated_at = Some(new.created_at);
                    true
                }
                _ => false,
            }
        };
        if rotated {
            records.insert(new.hash, new.clone());
        }
        Box::pin(std::future::ready(Ok(rotated)))
    }
}
