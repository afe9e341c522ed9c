//! The in-process replay store.

use std::collections::HashMap;
use std::future::ready;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::{ReplayKeys, ReplayStore, ReplayStoreError, Sighting};
use crate::store::BoxFuture;

/// How many records a [`MemoryReplayStore::new`] holds at most: 100 000.
pub(crate) const DEFAULT_MEMORY_CAPACITY: usize = 100_000;

/// Expired records are swept at least this often (seconds of the verifier's
/// clock), and whenever the store is full.
const SWEEP_INTERVAL_SECS: i64 = 60;

/// A replay store in this process's memory: the default of
/// [`WebhookVerifier`](crate::webhook::WebhookVerifier).
///
/// Clones share the records. Only authentic deliveries are ever recorded, so
/// the store grows with the sender's traffic (one or two records per event,
/// each kept for the verifier's retention, 10 minutes by default), never with
/// an attacker's. When it holds its capacity of live records it refuses new
/// ones ([`WebhookError::StoreUnavailable`](crate::webhook::WebhookError::StoreUnavailable)):
/// evicting live records would let their replays through, and the sender
/// retries a refused delivery later. Several processes need a shared store
/// (`RedisReplayStore`, feature `redis`).
#[derive(Clone, Debug)]
pub struct MemoryReplayStore {
    inner: Arc<Mutex<Records>>,
    capacity: usize,
}

/// Each map: key -> Unix second from which it is forgotten; a signature
/// also keeps the event id it was accepted under (see [`ReplayStore`]).
#[derive(Debug, Default)]
struct Records {
    ids: HashMap<Box<str>, i64>,
    signatures: HashMap<[u8; 32], (i64, Box<str>)>,
    next_sweep: i64,
}

impl Records {
    fn len(&self) -> usize {
        self.ids.len() + self.signatures.len()
    }

    fn sweep(&mut self, now: i64) {
        self.ids.retain(|_, expires| *expires > now);
        self.signatures.retain(|_, (expires, _)| *expires > now);
        self.next_sweep = now.saturating_add(SWEEP_INTERVAL_SECS);
    }

    /// A repeat: the id is recorded, or the signature is, under another id.
    fn seen(&self, keys: &ReplayKeys, now: i64) -> bool {
        let id_seen = self.ids.get(keys.event_id()).is_some_and(|&expires| expires > now);
        let signature_taken = keys
            .signature()
            .and_then(|sig| self.signatures.get(sig))
            .is_some_and(|(expires, owner)| *expires > now && **owner != *keys.event_id());
        id_seen || signature_taken
    }
}

impl MemoryReplayStore {
    /// An empty store holding at most 100 000 records.
    pub fn new() -> Self {
        MemoryReplayStore::with_capacity(DEFAULT_MEMORY_CAPACITY)
    }

    /// An empty store holding at most `max_records` live records.
    pub fn with_capacity(max_records: usize) -> Self {
        MemoryReplayStore { inner: Arc::new(Mutex::new(Records::default())), capacity: max_records }
    }

    /// How many records the store holds (expired ones included until the
    /// next sweep).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// `true` if the store holds no record.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Records> {
        // A panic while holding the lock cannot leave a map half-updated in a
        // way that matters (each insert is complete or absent).
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record_now(&self, keys: &ReplayKeys, now: i64, ttl_secs: u64) -> Result<Sighting, ReplayStoreError> {
        let mut records = self.lock();
        // A signature kept after `forget` is rewritten in place, not added.
        let new_signature = keys.signature().is_some_and(|sig| !records.signatures.contains_key(sig));
        let needed = 1 + usize::from(new_signature);
        if now >= records.next_sweep || records.len() + needed > self.capacity {
            records.sweep(now);
        }
        if records.seen(keys, now) {
            return Ok(Sighting::Repeat);
        }
        if records.len() + needed > self.capacity {
            return Err(ReplayStoreError::new(format!(
                "the memory replay store holds its capacity of {} live records",
                self.capacity
            )));
        }
        let expires = now.saturating_add(i64::try_from(ttl_secs).unwrap_or(i64::MAX));
        records.ids.insert(keys.event_id().into(), expires);
        if let Some(signature) = keys.signature() {
            records.signatures.insert(*signature, (expires, keys.event_id().into()));
        }
        Ok(Sighting::First)
    }

    /// Forgets the event id only: the signature stays bound to it, so the
    /// captured delivery cannot come back under a fresh id.
    fn forget_now(&self, keys: &ReplayKeys) {
        self.lock().ids.remove(keys.event_id());
    }
}

impl Default for MemoryReplayStore {
    fn default() -> Self {
        MemoryReplayStore::new()
    }
}

impl ReplayStore for MemoryReplayStore {
    fn record<'a>(
        &'a self,
        keys: &'a ReplayKeys,
        now: i64,
        ttl_secs: u64,
    ) -> BoxFuture<'a, Result<Sighting, ReplayStoreError>> {
        Box::pin(ready(self.record_now(keys, now, ttl_secs)))
    }

    fn forget<'a>(&'a self, keys: &'a ReplayKeys) -> BoxFuture<'a, Result<(), ReplayStoreError>> {
        self.forget_now(keys);
        Box::pin(ready(Ok(())))
    }
}

#[cfg(test)]
mod tests {
    use super::{MemoryReplayStore, ReplayKeys, Sighting};

    fn id(id: &str) -> ReplayKeys {
        ReplayKeys::new(id.into(), None)
    }

    fn id_and_sig(id: &str, sig: u8) -> ReplayKeys {
        ReplayKeys::new(id.into(), Some([sig; 32]))
    }

    #[test]
    fn a_key_is_a_repeat_until_it_expires() {
        let store = MemoryReplayStore::new();
        assert_eq!(store.record_now(&id("a"), 1000, 600).unwrap(), Sighting::First);
        assert_eq!(store.record_now(&id("a"), 1599, 600).unwrap(), Sighting::Repeat);
        assert_eq!(store.record_now(&id("a"), 1600, 600).unwrap(), Sighting::First);
    }

    #[test]
    fn any_known_key_makes_a_repeat_and_nothing_is_written() {
        let store = MemoryReplayStore::new();
        store.record_now(&id_and_sig("old", 1), 0, 600).unwrap();
        assert_eq!(store.record_now(&id_and_sig("new", 1), 1, 600).unwrap(), Sighting::Repeat);
        assert_eq!(store.record_now(&id("new"), 2, 600).unwrap(), Sighting::First);
        assert_eq!(store.record_now(&id_and_sig("old", 2), 3, 600).unwrap(), Sighting::Repeat);
    }

    #[test]
    fn a_full_store_refuses_until_records_expire() {
        let store = MemoryReplayStore::with_capacity(2);
        store.record_now(&id("a"), 0, 10).unwrap();
        store.record_now(&id("b"), 0, 10).unwrap();
        assert!(store.record_now(&id("c"), 5, 10).is_err());
        assert_eq!(store.record_now(&id("a"), 5, 10).unwrap(), Sighting::Repeat);
        assert_eq!(store.record_now(&id("c"), 10, 10).unwrap(), Sighting::First);
        assert_eq!(store.len(), 1);
        // Two keys need two places.
        assert!(store.record_now(&id_and_sig("d", 1), 10, 10).is_err());
    }

    #[test]
    fn a_forgotten_id_is_new_again_but_its_signature_stays_bound_to_it() {
        let store = MemoryReplayStore::new();
        store.record_now(&id_and_sig("a", 7), 0, 600).unwrap();
        store.forget_now(&id_and_sig("a", 7));
        assert_eq!(store.len(), 1, "the signature outlives the forget");
        // The signature under another id: a captured delivery with a fresh id.
        assert_eq!(store.record_now(&id_and_sig("b", 7), 1, 600).unwrap(), Sighting::Repeat);
        // The event itself, re-signed or resent as it was: new again.
        assert_eq!(store.record_now(&id_and_sig("a", 7), 1, 600).unwrap(), Sighting::First);
        assert_eq!(store.len(), 2);
        assert_eq!(store.record_now(&id_and_sig("a", 8), 2, 600).unwrap(), Sighting::Repeat);
        store.forget_now(&id_and_sig("a", 7));
        assert_eq!(store.record_now(&id_and_sig("a", 8), 3, 600).unwrap(), Sighting::First);
        assert_eq!(store.record_now(&id_and_sig("b", 8), 3, 600).unwrap(), Sighting::Repeat);
    }

    #[test]
    fn a_signature_kept_after_forget_needs_no_new_place() {
        let store = MemoryReplayStore::with_capacity(2);
        store.record_now(&id_and_sig("a", 7), 0, 10).unwrap();
        store.forget_now(&id_and_sig("a", 7));
        assert_eq!(store.record_now(&id_and_sig("a", 7), 1, 10).unwrap(), Sighting::First);
        assert_eq!(store.len(), 2);
    }
}
