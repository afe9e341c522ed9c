//! The in-memory refresh-token store: one process, no setup.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::error::TokenStoreError;
use super::family::{FamilyId, IssuedAccess, RefreshRecord, Rotation};
use super::refresh::RefreshTokenHash;
use super::store::RefreshTokenStore;
use crate::store::BoxFuture;

#[derive(Debug, Default)]
struct State {
    tokens: HashMap<RefreshTokenHash, RefreshRecord>,
    /// Each family's session end and revocation time.
    families: HashMap<FamilyId, Family>,
}

#[derive(Debug, Clone)]
struct Family {
    session_expires_at: i64,
    revoked_at: Option<i64>,
    /// The access tokens minted in the family, those expired forgotten at
    /// each rotation.
    access: Vec<IssuedAccess>,
}

/// Refresh-token records in this process's memory, behind one mutex (a
/// rotation is a check and a write under it, so of concurrent rotations of
/// one token exactly one wins). Cheap to clone: clones share the records.
///
/// Rotated tokens are kept until their family's session ends, so a reuse is
/// recognised for as long as the family could live;
/// [`purge_expired`](Self::purge_expired) removes ended families.
#[derive(Debug, Clone, Default)]
pub struct MemoryRefreshTokenStore {
    state: Arc<Mutex<State>>,
}

impl MemoryRefreshTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryRefreshTokenStore::default()
    }

    /// How many token records it holds (rotated ones included).
    pub fn len(&self) -> usize {
        self.lock().tokens.len()
    }

    /// Whether it holds no record.
    pub fn is_empty(&self) -> bool {
        self.lock().tokens.is_empty()
    }

    /// Removes every token and family whose session ended before `now`
    /// (Unix seconds); answers how many tokens.
    pub fn purge_expired(&self, now: i64) -> usize {
        let mut state = self.lock();
        let before = state.tokens.len();
        state.tokens.retain(|_, r| r.session_expires_at > now);
        state.families.retain(|_, f| f.session_expires_at > now);
        before - state.tokens.len()
    }

    // Never held across a panicking call: a poisoned lock guards consistent data.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    fn revoke(&mut self, family: &FamilyId, now: i64) -> bool {
        match self.families.get_mut(family) {
            Some(f) => {
                f.revoked_at = Some(f.revoked_at.map_or(now, |earlier| earlier.min(now)));
                true
            }
            None => false,
        }
    }

    fn rotate(
        &mut self,
        old: &RefreshTokenHash,
        client: &str,
        new: &RefreshTokenHash,
        now: i64,
        lifetime_secs: i64,
        access: &IssuedAccess,
    ) -> Rotation {
        let Some(record) = self.tokens.get(old) else { return Rotation::Unknown };
        let family = record.family;
        if self.families.get(&family).is_none_or(|f| f.revoked_at.is_some()) {
            return Rotation::Revoked;
        }
        if record.rotated_at.is_some() {
            self.revoke(&family, now);
            return Rotation::Reused(family);
        }
        if record.client != client {
            self.revoke(&family, now);
            return Rotation::WrongClient(family);
        }
        if now >= record.expires_at || self.tokens.contains_key(new) {
            return Rotation::Expired;
        }
        let successor = record.successor(*new, now, lifetime_secs);
        if let Some(record) = self.tokens.get_mut(old) {
            record.rotated_at = Some(now);
        }
        self.tokens.insert(*new, successor.clone());
        if let Some(f) = self.families.get_mut(&family) {
            f.access.retain(|a| a.expires_at > now);
            f.access.push(access.clone());
        }
        Rotation::Rotated(successor)
    }
}

impl RefreshTokenStore for MemoryRefreshTokenStore {
    fn insert<'a>(
        &'a self,
        record: &'a RefreshRecord,
        access: &'a IssuedAccess,
    ) -> BoxFuture<'a, Result<bool, TokenStoreError>> {
        let mut state = self.lock();
        let inserted = !state.tokens.contains_key(&record.hash) && !state.families.contains_key(&record.family);
        if inserted {
            state.tokens.insert(record.hash, record.clone());
            let family = Family {
                session_expires_at: record.session_expires_at,
                revoked_at: None,
                access: vec![access.clone()],
            };
            state.families.insert(record.family, family);
        }
        Box::pin(std::future::ready(Ok(inserted)))
    }

    fn get<'a>(
        &'a self,
        hash: &'a RefreshTokenHash,
    ) -> BoxFuture<'a, Result<Option<(RefreshRecord, bool)>, TokenStoreError>> {
        let state = self.lock();
        let found = state.tokens.get(hash).map(|record| {
            let revoked = state.families.get(&record.family).is_none_or(|f| f.revoked_at.is_some());
            (record.clone(), revoked)
        });
        Box::pin(std::future::ready(Ok(found)))
    }

    fn rotate<'a>(
        &'a self,
        old: &'a RefreshTokenHash,
        client: &'a str,
        new: &'a RefreshTokenHash,
        now: i64,
        lifetime_secs: i64,
        access: &'a IssuedAccess,
    ) -> BoxFuture<'a, Result<Rotation, TokenStoreError>> {
        let rotation = self.lock().rotate(old, client, new, now, lifetime_secs, access);
        Box::pin(std::future::ready(Ok(rotation)))
    }

    fn live_access<'a>(
        &'a self,
        family: &'a FamilyId,
        now: i64,
    ) -> BoxFuture<'a, Result<Vec<IssuedAccess>, TokenStoreError>> {
        let state = self.lock();
        let access = state
            .families
            .get(family)
            .map_or_else(Vec::new, |f| f.access.iter().filter(|a| a.expires_at > now).cloned().collect());
        Box::pin(std::future::ready(Ok(access)))
    }

    fn revoke_family<'a>(&'a self, family: &'a FamilyId, now: i64) -> BoxFuture<'a, Result<bool, TokenStoreError>> {
        let found = self.lock().revoke(family, now);
        Box::pin(std::future::ready(Ok(found)))
    }
}
