//! The in-memory store: one process, bounded overall and per caller,
//! expired records swept.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::store::{
    Claim, ClaimRequest, Fingerprint, IdempotencyStore, IdempotencyStoreError, LockToken, StoredResponse,
};
use crate::store::BoxFuture;
use crate::time::{Clock, SharedClock};

/// Records kept at most, by default.
pub const DEFAULT_MAX_RECORDS: usize = 100_000;
/// Bytes kept at most, by default: 256 MiB.
pub const DEFAULT_MAX_BYTES: usize = 256 * 1024 * 1024;
/// A caller's share of the store by default: one fiftieth, so fifty callers
/// must be at their quota before the store is full.
pub(crate) const DEFAULT_CALLER_SHARE: usize = 50;

/// What one record costs besides its key and response: the map entry, the
/// record, the fingerprint. Counted so that many small records fill the byte
/// budget too.
const RECORD_OVERHEAD: usize = 160;

/// Idempotency records in this process's memory: the default store, right
/// for a single server. Several servers need a shared store
/// (`RedisIdempotencyStore`).
///
/// Memory is bounded: every record counts its key, its response and a fixed
/// overhead against the store's byte budget, and expired records are swept
/// as new keys arrive. When the store is full of live records it refuses new
/// keys (503 before the handler runs) rather than forgetting a stored
/// response, which could let a retry run twice. So that one caller cannot
/// fill it for everyone, each caller ([`Principal::caller`](crate::Principal::caller))
/// may hold only a share: a caller over its quota gets 429, the others are
/// unaffected.
#[derive(Debug)]
pub struct MemoryIdempotencyStore {
    inner: Mutex<Inner>,
    max_records: usize,
    max_bytes: usize,
    max_records_per_caller: usize,
    max_bytes_per_caller: usize,
    clock: SharedClock,
}

/// Times are milliseconds of the store's clock.
#[derive(Debug)]
struct Inner {
    records: HashMap<Box<str>, Record>,
    callers: HashMap<Arc<str>, Usage>,
    bytes: usize,
    last_sweep: u64,
}

#[derive(Debug, Default, Clone, Copy)]
struct Usage {
    records: usize,
    bytes: usize,
}

#[derive(Debug)]
struct Record {
    owner: Arc<str>,
    fingerprint: Fingerprint,
    /// When the record is forgotten, whatever its state.
    expires: u64,
    state: State,
    bytes: usize,
}

#[derive(Debug)]
enum State {
    Running { token: LockToken, lock_expires: u64 },
    Done(StoredResponse),
}

impl Default for MemoryIdempotencyStore {
    fn default() -> Self {
        MemoryIdempotencyStore::new(DEFAULT_MAX_RECORDS, DEFAULT_MAX_BYTES)
    }
}

/// Sweep expired records at most this often unless the store is full: a
/// sweep visits every record, so it must not run per request.
const SWEEP_INTERVAL_MS: u64 = 1000;

/// `now` plus `d`, in milliseconds, saturating.
fn later(now: u64, d: Duration) -> u64 {
    now.saturating_add(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Inner {
    fn sweep(&mut self, now: u64) {
        let mut freed = Vec::new();
        self.records.retain(|_, r| {
            let keep = r.expires > now;
            if !keep {
                freed.push((Arc::clone(&r.owner), r.bytes));
            }
            keep
        });
        for (owner, bytes) in freed {
            self.uncount(&owner, bytes);
        }
        self.last_sweep = now;
    }

    fn remove(&mut self, key: &str) {
        if let Some(r) = self.records.remove(key) {
            self.uncount(&r.owner, r.bytes);
        }
    }

    fn uncount(&mut self, owner: &Arc<str>, bytes: usize) {
        self.bytes -= bytes;
        if let Some(usage) = self.callers.get_mut(owner) {
            usage.records -= 1;
            usage.bytes -= bytes;
            if usage.records == 0 {
                self.callers.remove(owner);
            }
        }
    }

    /// Changes a record's size (a response stored in it).
    fn resize(&mut self, key: &str, bytes: usize) {
        let Some(record) = self.records.get_mut(key) else { return };
        let old = std::mem::replace(&mut record.bytes, bytes);
        self.bytes = self.bytes - old + bytes;
        if let Some(usage) = self.callers.get_mut(&record.owner) {
            usage.bytes = usage.bytes - old + bytes;
        }
    }
}

impl MemoryIdempotencyStore {
    /// A store holding at most `max_records` records and `max_bytes`, each
    /// caller at most one fiftieth of each (2,000
    /// records and 5 MiB with the defaults); change the quota with
    /// [`per_caller`](Self::per_caller).
    pub fn new(max_records: usize, max_bytes: usize) -> Self {
        let clock = SharedClock::monotonic();
        MemoryIdempotencyStore {
            inner: Mutex::new(Inner {
                records: HashMap::new(),
                callers: HashMap::new(),
                bytes: 0,
                last_sweep: clock.now_ms(),
            }),
            max_records,
            max_bytes,
            max_records_per_caller: (max_records / DEFAULT_CALLER_SHARE).max(1),
            max_bytes_per_caller: (max_bytes / DEFAULT_CALLER_SHARE).max(1),
            clock,
        }
    }

    /// Reads the time (locks, expiry) from `clock` instead of a
    /// [`MonotonicClock`](crate::time::MonotonicClock): tests expire locks
    /// and records with a [`ManualClock`](crate::time::ManualClock).
    #[must_use]
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = SharedClock::new(clock);
        self
    }

    /// The most records and bytes one caller may hold. A caller at its
    /// quota gets 429 for new keys until its records expire; its replays
    /// still work.
    #[must_use]
    pub fn per_caller(mut self, max_records: usize, max_bytes: usize) -> Self {
        self.max_records_per_caller = max_records;
        self.max_bytes_per_caller = max_bytes;
        self
    }

    /// Records currently held (live or not yet swept).
    pub fn len(&self) -> usize {
        self.lock().map_or(0, |inner| inner.records.len())
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes currently counted against the budget.
    pub fn bytes(&self) -> usize {
        self.lock().map_or(0, |inner| inner.bytes)
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, IdempotencyStoreError> {
        self.inner.lock().map_err(|_| IdempotencyStoreError::new("memory store lock poisoned"))
    }

    fn claim_now(&self, request: &ClaimRequest<'_>) -> Result<Claim, IdempotencyStoreError> {
        let now = self.clock.now_ms();
        let mut inner = self.lock()?;
        if let Some(record) = inner.records.get_mut(request.key)
            && record.expires > now
        {
            if record.fingerprint != request.fingerprint {
                return Ok(Claim::Mismatch);
            }
            return Ok(match &mut record.state {
                State::Done(response) => Claim::Replay(response.clone()),
                State::Running { lock_expires, .. } if *lock_expires > now => Claim::InProgress,
                State::Running { .. } if !request.rerun_abandoned => Claim::Abandoned,
                state => {
                    let token = LockToken::random()?;
                    *state = State::Running { token, lock_expires: later(now, request.lock_ttl) };
                    record.expires = later(now, request.ttl.max(request.lock_ttl));
                    Claim::Started(token)
                }
            });
        }
        inner.remove(request.key);
        let bytes = request.key.len() + RECORD_OVERHEAD;
        let full = |inner: &Inner| inner.records.len() >= self.max_records || inner.bytes + bytes > self.max_bytes;
        if full(&inner) || now.saturating_sub(inner.last_sweep) >= SWEEP_INTERVAL_MS {
            inner.sweep(now);
            if full(&inner) {
                tracing::warn!(records = inner.records.len(), bytes = inner.bytes, "idempotency store full");
                return Err(IdempotencyStoreError::new("the memory store is full"));
            }
        }
        let owner = match inner.callers.get_key_value(request.owner) {
            Some((owner, usage)) => {
                if usage.records >= self.max_records_per_caller || usage.bytes + bytes > self.max_bytes_per_caller {
                    tracing::info!(
                        records = usage.records,
                        bytes = usage.bytes,
                        "idempotency quota of a caller reached"
                    );
                    return Ok(Claim::OverQuota);
                }
                Arc::clone(owner)
            }
            None => Arc::from(request.owner),
        };
        let usage = inner.callers.entry(Arc::clone(&owner)).or_default();
        usage.records += 1;
        usage.bytes += bytes;
        inner.bytes += bytes;
        let token = LockToken::random()?;
        let record = Record {
            owner,
            fingerprint: request.fingerprint,
            expires: later(now, request.ttl.max(request.lock_ttl)),
            state: State::Running { token, lock_expires: later(now, request.lock_ttl) },
            bytes,
        };
        inner.records.insert(request.key.into(), record);
        Ok(Claim::Started(token))
    }

    /// The record of `key` if `token` holds its lock.
    fn held<'a>(inner: &'a mut Inner, key: &str, token: LockToken) -> Option<&'a mut Record> {
        inner.records.get_mut(key).filter(|r| matches!(r.state, State::Running { token: t, .. } if t == token))
    }

    fn renew_now(&self, key: &str, token: LockToken, lock_ttl: Duration) -> Result<bool, IdempotencyStoreError> {
        let mut inner = self.lock()?;
        let Some(record) = Self::held(&mut inner, key, token) else { return Ok(false) };
        let lock_expires = later(self.clock.now_ms(), lock_ttl);
        record.state = State::Running { token, lock_expires };
        record.expires = record.expires.max(lock_expires);
        Ok(true)
    }

    fn complete_now(
        &self,
        key: &str,
        token: LockToken,
        response: &StoredResponse,
        ttl: Duration,
    ) -> Result<bool, IdempotencyStoreError> {
        let mut inner = self.lock()?;
        let Some(record) = Self::held(&mut inner, key, token) else { return Ok(false) };
        // Stored whatever the budgets say: the request ran, and forgetting
        // its outcome could run it again. New keys are refused while over.
        record.state = State::Done(response.clone());
        record.expires = later(self.clock.now_ms(), ttl);
        inner.resize(key, key.len() + RECORD_OVERHEAD + response.size());
        Ok(true)
    }

    fn release_now(&self, key: &str, token: LockToken) -> Result<bool, IdempotencyStoreError> {
        let mut inner = self.lock()?;
        let held = Self::held(&mut inner, key, token).is_some();
        if held {
            inner.remove(key);
        }
        Ok(held)
    }
}

impl IdempotencyStore for MemoryIdempotencyStore {
    fn claim<'a>(&'a self, request: &'a ClaimRequest<'a>) -> BoxFuture<'a, Result<Claim, IdempotencyStoreError>> {
        let result = self.claim_now(request);
        Box::pin(async move { result })
    }

    fn renew<'a>(
        &'a self,
        key: &'a str,
        token: LockToken,
        lock_ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, IdempotencyStoreError>> {
        let result = self.renew_now(key, token, lock_ttl);
        Box::pin(async move { result })
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: LockToken,
        response: &'a StoredResponse,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, IdempotencyStoreError>> {
        let result = self.complete_now(key, token, response, ttl);
        Box::pin(async move { result })
    }

    fn release<'a>(&'a self, key: &'a str, token: LockToken) -> BoxFuture<'a, Result<bool, IdempotencyStoreError>> {
        let result = self.release_now(key, token);
        Box::pin(async move { result })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::ManualClock;

    fn block<T>(f: BoxFuture<'_, Result<T, IdempotencyStoreError>>) -> Result<T, IdempotencyStoreError> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| IdempotencyStoreError::new(e.to_string()))?
            .block_on(f)
    }

    fn response(body: &str) -> StoredResponse {
        StoredResponse {
            status: 201,
            headers: vec![("content-type".into(), b"application/json".to_vec())],
            body: Some(body.as_bytes().to_vec()),
        }
    }

    fn claim_with(
        store: &MemoryIdempotencyStore,
        key: &str,
        owner: &str,
        fp: u8,
        lock: Duration,
        rerun: bool,
    ) -> Claim {
        let request = ClaimRequest {
            key,
            owner,
            fingerprint: [fp; 32],
            lock_ttl: lock,
            ttl: Duration::from_secs(3600),
            rerun_abandoned: rerun,
        };
        block(store.claim(&request)).unwrap()
    }

    fn claim(store: &MemoryIdempotencyStore, key: &str, fp: u8) -> Claim {
        claim_with(store, key, "alice", fp, Duration::from_secs(30), false)
    }

    #[test]
    fn claim_complete_replay_mismatch_release() {
        let store = MemoryIdempotencyStore::default();
        let Claim::Started(token) = claim(&store, "k", 1) else { panic!() };
        assert_eq!(claim(&store, "k", 1), Claim::InProgress);
        assert_eq!(claim(&store, "k", 2), Claim::Mismatch);
        assert!(block(store.complete("k", token, &response("{}"), Duration::from_secs(60))).unwrap());
        assert_eq!(claim(&store, "k", 1), Claim::Replay(response("{}")));
        assert_eq!(claim(&store, "k", 2), Claim::Mismatch);
        let Claim::Started(other) = claim(&store, "j", 1) else { panic!() };
        assert!(!block(store.release("j", LockToken(other.0 ^ 1))).unwrap(), "a wrong token releases nothing");
        assert!(block(store.release("j", other)).unwrap());
        assert!(matches!(claim(&store, "j", 1), Claim::Started(_)));
    }

    #[test]
    fn an_expired_lock_is_abandoned_not_free_and_its_holder_can_still_complete() {
        let clock = ManualClock::new(1_000_000);
        let store = MemoryIdempotencyStore::default().clock(clock.clone());
        let short = Duration::from_millis(20);
        let Claim::Started(old) = claim_with(&store, "k", "alice", 1, short, false) else { panic!() };
        clock.advance(Duration::from_millis(19));
        assert_eq!(claim(&store, "k", 1), Claim::InProgress);
        clock.advance(Duration::from_millis(1));
        assert_eq!(claim(&store, "k", 1), Claim::Abandoned);
        assert_eq!(claim(&store, "k", 2), Claim::Mismatch);
        // The holder was only slow: its result is the outcome.
        assert!(block(store.complete("k", old, &response("late"), Duration::from_secs(60))).unwrap());
        assert_eq!(claim(&store, "k", 1), Claim::Replay(response("late")));
    }

    #[test]
    fn a_route_that_reruns_abandoned_requests_takes_the_lock_over() {
        let clock = ManualClock::new(1_000_000);
        let store = MemoryIdempotencyStore::default().clock(clock.clone());
        let short = Duration::from_millis(20);
        let Claim::Started(old) = claim_with(&store, "k", "alice", 1, short, true) else { panic!() };
        clock.advance(Duration::from_millis(40));
        let Claim::Started(new) = claim_with(&store, "k", "alice", 1, Duration::from_secs(30), true) else { panic!() };
        assert!(!block(store.complete("k", old, &response("late"), Duration::from_secs(60))).unwrap());
        assert!(block(store.complete("k", new, &response("new"), Duration::from_secs(60))).unwrap());
        assert_eq!(claim(&store, "k", 1), Claim::Replay(response("new")));
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn renewal_keeps_a_slow_request_in_progress() {
        let clock = ManualClock::new(1_000_000);
        let store = MemoryIdempotencyStore::default().clock(clock.clone());
        let lock = Duration::from_millis(60);
        let Claim::Started(token) = claim_with(&store, "k", "alice", 1, lock, false) else { panic!() };
        for _ in 0..4 {
            clock.advance(Duration::from_millis(59));
            assert!(block(store.renew("k", token, lock)).unwrap());
            assert_eq!(claim(&store, "k", 1), Claim::InProgress);
        }
        assert!(!block(store.renew("k", LockToken(token.0 ^ 1), lock)).unwrap());
    }

    #[test]
    fn memory_is_bounded_and_a_full_store_refuses_new_keys() {
        let store = MemoryIdempotencyStore::new(3, 1 << 20).per_caller(3, 1 << 20);
        for k in ["a", "b", "c"] {
            assert!(matches!(claim(&store, k, 0), Claim::Started(_)));
        }
        let request = ClaimRequest {
            key: "d",
            owner: "bob",
            fingerprint: [0; 32],
            lock_ttl: Duration::from_secs(30),
            ttl: Duration::from_secs(30),
            rerun_abandoned: false,
        };
        assert!(block(store.claim(&request)).is_err());
        // Expired records make room.
        let clock = ManualClock::new(1_000_000);
        let short = MemoryIdempotencyStore::new(2, 1 << 20).per_caller(2, 1 << 20).clock(clock.clone());
        for k in ["a", "b"] {
            let request = ClaimRequest { key: k, ttl: Duration::from_millis(10), lock_ttl: Duration::ZERO, ..request };
            assert!(matches!(block(short.claim(&request)).unwrap(), Claim::Started(_)));
        }
        clock.advance(Duration::from_millis(10));
        assert!(matches!(claim(&short, "c", 0), Claim::Started(_)));
        assert_eq!(short.len(), 1);
    }

    #[test]
    fn one_caller_over_its_quota_leaves_room_for_the_others() {
        let store = MemoryIdempotencyStore::new(100, 1 << 20).per_caller(10, 1 << 20);
        for i in 0..10 {
            assert!(matches!(
                claim_with(&store, &format!("m{i}"), "mallory", 0, Duration::from_secs(30), false),
                Claim::Started(_)
            ));
        }
        assert_eq!(claim_with(&store, "m10", "mallory", 0, Duration::from_secs(30), false), Claim::OverQuota);
        assert!(matches!(claim_with(&store, "a", "alice", 0, Duration::from_secs(30), false), Claim::Started(_)));
        // Bytes count too: a caller whose responses are large reaches its quota sooner.
        let store = MemoryIdempotencyStore::new(100, 1 << 20).per_caller(100, 4096);
        let Claim::Started(token) = claim_with(&store, "big", "mallory", 0, Duration::from_secs(30), false) else {
            panic!()
        };
        let big = StoredResponse { status: 200, headers: vec![], body: Some(vec![b'x'; 4000]) };
        assert!(block(store.complete("big", token, &big, Duration::from_secs(60))).unwrap());
        assert!(store.bytes() > 4000);
        assert_eq!(claim_with(&store, "next", "mallory", 0, Duration::from_secs(30), false), Claim::OverQuota);
        assert!(matches!(claim_with(&store, "next", "alice", 0, Duration::from_secs(30), false), Claim::Started(_)));
        // Released records give the quota back.
        let store = MemoryIdempotencyStore::new(100, 1 << 20).per_caller(1, 1 << 20);
        let Claim::Started(token) = claim(&store, "x", 0) else { panic!() };
        assert_eq!(claim(&store, "y", 0), Claim::OverQuota);
        assert!(block(store.release("x", token)).unwrap());
        assert!(matches!(claim(&store, "y", 0), Claim::Started(_)));
        assert_eq!(store.bytes(), "y".len() + RECORD_OVERHEAD);
    }
}
