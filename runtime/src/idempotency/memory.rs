//! The in-memory store: one process, bounded, expired records swept.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::store::{Claim, Fingerprint, IdempotencyStore, LockToken, StoreError, StoreFuture, StoredResponse};

/// Records kept at most, by default.
pub const DEFAULT_MAX_RECORDS: usize = 100_000;
/// Stored response bytes kept at most, by default: 256 MiB.
pub const DEFAULT_MAX_BYTES: usize = 256 * 1024 * 1024;

/// Idempotency records in this process's memory: the default store, right
/// for a single server. Several servers need a shared store
/// (`RedisIdempotencyStore`).
///
/// Memory is bounded: expired records are swept as new keys arrive, and when
/// the store is full of live records it refuses new keys (the request is
/// answered 503 before its handler runs) rather than forgetting a stored
/// response, which could let a retry run twice.
#[derive(Debug)]
pub struct MemoryIdempotencyStore {
    inner: Mutex<Inner>,
    max_records: usize,
    max_bytes: usize,
}

#[derive(Debug)]
struct Inner {
    records: HashMap<String, Record>,
    bytes: usize,
    last_sweep: Instant,
}

impl Default for Inner {
    fn default() -> Self {
        Inner { records: HashMap::new(), bytes: 0, last_sweep: Instant::now() }
    }
}

#[derive(Debug)]
struct Record {
    fingerprint: Fingerprint,
    expires: Instant,
    state: State,
}

#[derive(Debug)]
enum State {
    Running(LockToken),
    Done(StoredResponse),
}

impl Record {
    fn bytes(&self) -> usize {
        match &self.state {
            State::Running(_) => 0,
            State::Done(r) => r.body.len() + r.content_type.as_ref().map_or(0, String::len),
        }
    }
}

impl Default for MemoryIdempotencyStore {
    fn default() -> Self {
        MemoryIdempotencyStore::new(DEFAULT_MAX_RECORDS, DEFAULT_MAX_BYTES)
    }
}

/// Sweep expired records at most this often unless the store is full: a
/// sweep visits every record, so it must not run per request.
const SWEEP_INTERVAL: Duration = Duration::from_secs(1);

impl Inner {
    fn sweep(&mut self, now: Instant) {
        let mut freed = 0;
        self.records.retain(|_, r| {
            let keep = r.expires > now;
            if !keep {
                freed += r.bytes();
            }
            keep
        });
        self.bytes -= freed;
        self.last_sweep = now;
    }

    fn remove(&mut self, key: &str) {
        if let Some(r) = self.records.remove(key) {
            self.bytes -= r.bytes();
        }
    }
}

impl MemoryIdempotencyStore {
    /// A store holding at most `max_records` records and `max_bytes` of stored responses.
    pub fn new(max_records: usize, max_bytes: usize) -> Self {
        MemoryIdempotencyStore { inner: Mutex::new(Inner::default()), max_records, max_bytes }
    }

    /// Records currently held (live or not yet swept).
    pub fn len(&self) -> usize {
        self.lock().map_or(0, |inner| inner.records.len())
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, StoreError> {
        self.inner.lock().map_err(|_| StoreError::new("memory store lock poisoned"))
    }

    fn claim_now(&self, key: &str, fingerprint: Fingerprint, lock_ttl: Duration) -> Result<Claim, StoreError> {
        let now = Instant::now();
        let mut inner = self.lock()?;
        if let Some(record) = inner.records.get(key)
            && record.expires > now
        {
            return Ok(if record.fingerprint != fingerprint {
                Claim::Mismatch
            } else {
                match &record.state {
                    State::Running(_) => Claim::InProgress,
                    State::Done(response) => Claim::Replay(response.clone()),
                }
            });
        }
        inner.remove(key);
        let full = inner.records.len() >= self.max_records || inner.bytes >= self.max_bytes;
        if full || now.duration_since(inner.last_sweep) >= SWEEP_INTERVAL {
            inner.sweep(now);
            if inner.records.len() >= self.max_records || inner.bytes >= self.max_bytes {
                tracing::warn!(records = inner.records.len(), bytes = inner.bytes, "idempotency store full");
                return Err(StoreError::new("the memory store is full"));
            }
        }
        let token = LockToken::random()?;
        inner
            .records
            .insert(key.to_owned(), Record { fingerprint, expires: now + lock_ttl, state: State::Running(token) });
        Ok(Claim::Started(token))
    }

    fn complete_now(
        &self,
        key: &str,
        token: LockToken,
        response: &StoredResponse,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock()?;
        let Some(record) = inner.records.get_mut(key) else { return Ok(false) };
        if !matches!(record.state, State::Running(t) if t == token) {
            return Ok(false);
        }
        record.state = State::Done(response.clone());
        record.expires = Instant::now() + ttl;
        let added = record.bytes();
        inner.bytes += added;
        Ok(true)
    }

    fn release_now(&self, key: &str, token: LockToken) -> Result<bool, StoreError> {
        let mut inner = self.lock()?;
        let held = inner.records.get(key).is_some_and(|r| matches!(r.state, State::Running(t) if t == token));
        if held {
            inner.remove(key);
        }
        Ok(held)
    }
}

impl IdempotencyStore for MemoryIdempotencyStore {
    fn claim<'a>(&'a self, key: &'a str, fingerprint: Fingerprint, lock_ttl: Duration) -> StoreFuture<'a, Claim> {
        let result = self.claim_now(key, fingerprint, lock_ttl);
        Box::pin(async move { result })
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: LockToken,
        response: &'a StoredResponse,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        let result = self.complete_now(key, token, response, ttl);
        Box::pin(async move { result })
    }

    fn release<'a>(&'a self, key: &'a str, token: LockToken) -> StoreFuture<'a, bool> {
        let result = self.release_now(key, token);
        Box::pin(async move { result })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block<T>(f: StoreFuture<'_, T>) -> Result<T, StoreError> {
        tokio::runtime::Builder::new_current_thread().build().map_err(|e| StoreError::new(e.to_string()))?.block_on(f)
    }

    fn response(body: &str) -> StoredResponse {
        StoredResponse { status: 201, content_type: Some("application/json".into()), body: body.as_bytes().to_vec() }
    }

    #[test]
    fn claim_complete_replay_mismatch_release() {
        let store = MemoryIdempotencyStore::default();
        let lock = Duration::from_secs(30);
        let Claim::Started(token) = block(store.claim("k", [1; 32], lock)).unwrap() else { panic!() };
        assert_eq!(block(store.claim("k", [1; 32], lock)).unwrap(), Claim::InProgress);
        assert_eq!(block(store.claim("k", [2; 32], lock)).unwrap(), Claim::Mismatch);
        assert!(block(store.complete("k", token, &response("{}"), Duration::from_secs(60))).unwrap());
        assert_eq!(block(store.claim("k", [1; 32], lock)).unwrap(), Claim::Replay(response("{}")));
        assert_eq!(block(store.claim("k", [2; 32], lock)).unwrap(), Claim::Mismatch);
        let Claim::Started(other) = block(store.claim("j", [1; 32], lock)).unwrap() else { panic!() };
        assert!(!block(store.release("j", LockToken(other.0 ^ 1))).unwrap(), "a wrong token releases nothing");
        assert!(block(store.release("j", other)).unwrap());
        assert!(matches!(block(store.claim("j", [1; 32], lock)).unwrap(), Claim::Started(_)));
    }

    #[test]
    fn an_expired_lock_frees_the_key_and_the_late_holder_cannot_complete() {
        let store = MemoryIdempotencyStore::default();
        let Claim::Started(old) = block(store.claim("k", [1; 32], Duration::from_millis(20))).unwrap() else {
            panic!()
        };
        std::thread::sleep(Duration::from_millis(40));
        let Claim::Started(new) = block(store.claim("k", [1; 32], Duration::from_secs(30))).unwrap() else { panic!() };
        assert!(!block(store.complete("k", old, &response("late"), Duration::from_secs(60))).unwrap());
        assert!(block(store.complete("k", new, &response("new"), Duration::from_secs(60))).unwrap());
        assert_eq!(block(store.claim("k", [1; 32], Duration::from_secs(30))).unwrap(), Claim::Replay(response("new")));
    }

    #[test]
    fn memory_is_bounded_and_a_full_store_refuses_new_keys() {
        let store = MemoryIdempotencyStore::new(3, 1 << 20);
        for k in ["a", "b", "c"] {
            assert!(matches!(block(store.claim(k, [0; 32], Duration::from_secs(30))).unwrap(), Claim::Started(_)));
        }
        assert!(block(store.claim("d", [0; 32], Duration::from_secs(30))).is_err());
        // Expired records make room.
        let short = MemoryIdempotencyStore::new(2, 1 << 20);
        for k in ["a", "b"] {
            assert!(matches!(block(short.claim(k, [0; 32], Duration::from_millis(10))).unwrap(), Claim::Started(_)));
        }
        std::thread::sleep(Duration::from_millis(20));
        assert!(matches!(block(short.claim("c", [0; 32], Duration::from_secs(1))).unwrap(), Claim::Started(_)));
        assert_eq!(short.len(), 1);
    }
}
