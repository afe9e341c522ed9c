//! The in-memory store: one process, bounded overall and per caller,
//! expired records forgotten a few at a time, earliest first.
//!
//! No call does work in proportion to the number of records. The records
//! are split into shards, so that a map that grows moves a 256th of them;
//! maps are keyed by a keyed 128-bit hash of the key, so that moving an
//! entry never reads its key again; and each shard keeps its records in
//! order of expiry too, so that forgetting the expired ones is a few steps
//! from the front per claim instead of a scan of everything.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use siphasher::sip128::SipHasher13;

use super::store::{
    Claim, ClaimRequest, Fingerprint, IdempotencyStore, IdempotencyStoreError, LockToken, StoredResponse,
};
use crate::store::{BoxFuture, PassThrough};
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

/// Shards of the records and of the callers' usage. A map that grows moves
/// one shard's entries into a table twice the size, and what that costs is
/// mostly touching the new table's memory for the first time: a shard of a
/// million-record store grows into about 200 KiB. Requests on different
/// keys rarely wait for each other.
const SHARDS: usize = 256;

/// Expired records a claim forgets from its shard at most: more than the
/// records a claim adds (one), so the expired ones never pile up while keys
/// arrive, and few enough that no claim waits for them.
const EXPIRE_BATCH: usize = 32;

/// Idempotency records in this process's memory: the default store, right
/// for a single server. Several servers need a shared store
/// (`RedisIdempotencyStore`).
///
/// Memory is bounded: every record counts its key, its response and a fixed
/// overhead against the store's byte budget, and expired records are
/// forgotten as new keys arrive, a few per claim, earliest first, so that
/// no request pays for a sweep of the whole store. When the store is full of
/// live records it refuses new keys (503 before the handler runs) rather than
/// forgetting a stored response, which could let a retry run twice; before
/// refusing, it forgets every expired record, so a store full of expired
/// records takes the key. So that one caller cannot fill it for everyone,
/// each caller ([`Principal::caller`](crate::Principal::caller)) may hold
/// only a share: a caller over its quota gets 429, the others are
/// unaffected.
///
/// An expired record is gone for every purpose, whether or not it was
/// forgotten yet: its key is free, its lock can no longer be renewed,
/// completed or released, and it counts against no quota when a key is
/// refused.
pub struct MemoryIdempotencyStore {
    /// Records, in shards by their key's hash.
    shards: Box<[Padded<Mutex<Shard>>]>,
    /// What each caller holds, in shards by the caller's hash.
    callers: Box<[Padded<Mutex<Callers>>]>,
    /// What the whole store holds. Locks are taken in one order, so no two
    /// calls wait for each other: a record shard, then a caller shard, then
    /// this; never two of one kind at once.
    totals: Mutex<Usage>,
    /// Keyed with random keys, so that no client can choose keys that share
    /// a shard or a hash.
    hasher: SipHasher13,
    max_records: usize,
    max_bytes: usize,
    max_records_per_caller: usize,
    max_bytes_per_caller: usize,
    clock: SharedClock,
}

/// A shard on cache lines of its own, so that two cores working on two
/// shards do not share a line.
#[derive(Default)]
#[repr(align(128))]
struct Padded<T>(T);

/// A key's or a caller's keyed 128-bit hash: `lo` addresses a shard's map,
/// `hi` picks the shard. Two names with one hash are told apart by the key
/// kept in the record (and would share a quota, for callers: as likely as
/// guessing a random 128-bit number).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Name {
    lo: u64,
    hi: u64,
}

impl Hash for Name {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.lo);
    }
}

/// What each caller of a shard holds.
type Callers = HashMap<Name, Usage, PassThrough>;

/// Times are milliseconds of the store's clock.
#[derive(Default)]
struct Shard {
    /// Boxed: a table entry is a hash and a pointer, so that a growing
    /// table allocates and moves little.
    records: HashMap<Name, Box<Record>, PassThrough>,
    /// Every record of the shard by expiry, the earliest first: a record's
    /// entry moves when its expiry does, and goes with it.
    expiry: BTreeSet<(u64, Name)>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Usage {
    records: usize,
    bytes: usize,
}

struct Record {
    /// The key itself: two keys with one hash never share a record.
    key: Box<str>,
    owner: Name,
    fingerprint: Fingerprint,
    /// When the record is forgotten, whatever its state.
    expires: u64,
    state: State,
    bytes: usize,
}

enum State {
    Running { token: LockToken, lock_expires: u64 },
    Done(StoredResponse),
}

/// What keeping an outcome came to.
enum Completion {
    /// Kept (`true`), or the lock was not held (`false`).
    Done(bool),
    /// Its body would take its caller or the store past its bytes.
    OverBudget,
}

/// One try at a claim, under the locks.
enum Attempt {
    Done(Claim),
    Full(Usage),
    OverQuota(Usage),
}

impl Default for MemoryIdempotencyStore {
    fn default() -> Self {
        MemoryIdempotencyStore::new(DEFAULT_MAX_RECORDS, DEFAULT_MAX_BYTES)
    }
}

impl fmt::Debug for MemoryIdempotencyStore {
    // The counts and bounds: not the records, nor the hash keys.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryIdempotencyStore")
            .field("records", &self.len())
            .field("bytes", &self.bytes())
            .field("max_records", &self.max_records)
            .field("max_bytes", &self.max_bytes)
            .field("max_records_per_caller", &self.max_records_per_caller)
            .field("max_bytes_per_caller", &self.max_bytes_per_caller)
            .finish_non_exhaustive()
    }
}

/// `now` plus `d`, in milliseconds, saturating.
fn later(now: u64, d: Duration) -> u64 {
    now.saturating_add(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn poisoned<T>(_: T) -> IdempotencyStoreError {
    IdempotencyStoreError::new("memory store lock poisoned")
}

/// The shard of a name: the low bits of `hi`, independent of the bits its
/// shard's map uses.
fn slot(name: Name) -> usize {
    // Below SHARDS: the cast cannot truncate.
    (name.hi % SHARDS as u64) as usize
}

impl Shard {
    fn insert(&mut self, name: Name, record: Box<Record>) {
        self.expiry.insert((record.expires, name));
        self.records.insert(name, record);
    }

    fn remove(&mut self, name: Name) -> Option<Box<Record>> {
        let record = self.records.remove(&name)?;
        self.expiry.remove(&(record.expires, name));
        Some(record)
    }

    /// The record of `key`, live or not.
    fn get(&mut self, name: Name, key: &str) -> Result<Option<&mut Record>, IdempotencyStoreError> {
        match self.records.get_mut(&name) {
            Some(record) if *record.key != *key => {
                // Two keys with one keyed 128-bit hash: refused rather than
                // mixed up, however unlikely.
                Err(IdempotencyStoreError::new("two idempotency keys with one hash"))
            }
            found => Ok(found.map(|r| &mut **r)),
        }
    }

    /// Moves the expiry of `name`'s record to `expires`.
    fn set_expiry(&mut self, name: Name, expires: u64) {
        let Some(record) = self.records.get_mut(&name) else { return };
        let old = std::mem::replace(&mut record.expires, expires);
        self.expiry.remove(&(old, name));
        self.expiry.insert((expires, name));
    }

    /// Removes the record that expires first, if it expired at `now`.
    fn pop_expired(&mut self, now: u64) -> Option<Box<Record>> {
        loop {
            let &(expires, name) = self.expiry.first()?;
            if expires > now {
                return None;
            }
            self.expiry.pop_first();
            // Always there: a record and its entry come and go together.
            if let Some(record) = self.records.remove(&name) {
                return Some(record);
            }
        }
    }

    /// The live record of `key` if `token` holds its lock.
    fn held(&mut self, name: Name, key: &str, token: LockToken, now: u64) -> Option<&mut Record> {
        self.get(name, key)
            .ok()
            .flatten()
            .filter(|r| r.expires > now && matches!(r.state, State::Running { token: t, .. } if t == token))
    }
}

impl MemoryIdempotencyStore {
    /// A store holding at most `max_records` records and `max_bytes`, each
    /// caller at most one fiftieth of each (2,000
    /// records and 5 MiB with the defaults); change the quota with
    /// [`per_caller`](Self::per_caller).
    pub fn new(max_records: usize, max_bytes: usize) -> Self {
        // std's hasher keys come from the OS, per process, varied per call.
        let keys = RandomState::new();
        MemoryIdempotencyStore {
            shards: (0..SHARDS).map(|_| Padded::default()).collect(),
            callers: (0..SHARDS).map(|_| Padded::default()).collect(),
            totals: Mutex::default(),
            hasher: SipHasher13::new_with_keys(keys.hash_one(1u8), keys.hash_one(2u8)),
            max_records,
            max_bytes,
            max_records_per_caller: (max_records / DEFAULT_CALLER_SHARE).max(1),
            max_bytes_per_caller: (max_bytes / DEFAULT_CALLER_SHARE).max(1),
            clock: SharedClock::monotonic(),
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

    /// Records currently held (live, or expired and not yet forgotten).
    pub fn len(&self) -> usize {
        self.totals.lock().map_or(0, |totals| totals.records)
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes currently counted against the budget.
    pub fn bytes(&self) -> usize {
        self.totals.lock().map_or(0, |totals| totals.bytes)
    }

    fn name(&self, s: &str) -> Name {
        let (lo, hi) = self.hasher.hash(s.as_bytes()).as_u64();
        Name { lo, hi }
    }

    fn shard(&self, name: Name) -> Result<MutexGuard<'_, Shard>, IdempotencyStoreError> {
        self.shards[slot(name)].0.lock().map_err(poisoned)
    }

    fn callers(&self, owner: Name) -> Result<MutexGuard<'_, Callers>, IdempotencyStoreError> {
        self.callers[slot(owner)].0.lock().map_err(poisoned)
    }

    fn totals(&self) -> Result<MutexGuard<'_, Usage>, IdempotencyStoreError> {
        self.totals.lock().map_err(poisoned)
    }

    /// Takes removed records off their callers' and the store's usage.
    /// Called with their shard still locked, so that the totals never
    /// count fewer records than the shards hold.
    fn uncount<'r>(&self, records: impl IntoIterator<Item = &'r Record>) -> Result<(), IdempotencyStoreError> {
        let mut freed = Usage::default();
        for record in records {
            let mut callers = self.callers(record.owner)?;
            if let Some(usage) = callers.get_mut(&record.owner) {
                usage.records -= 1;
                usage.bytes -= record.bytes;
                if usage.records == 0 {
                    callers.remove(&record.owner);
                }
            }
            freed.records += 1;
            freed.bytes += record.bytes;
        }
        if freed.records > 0 {
            let mut totals = self.totals()?;
            totals.records -= freed.records;
            totals.bytes -= freed.bytes;
        }
        Ok(())
    }

    /// Forgets up to `limit` records of `shard` expired at `now`, earliest
    /// first.
    fn expire(&self, shard: &mut Shard, now: u64, limit: usize) -> Result<(), IdempotencyStoreError> {
        let mut expired = Vec::new();
        while expired.len() < limit
            && let Some(record) = shard.pop_expired(now)
        {
            expired.push(record);
        }
        self.uncount(expired.iter().map(|r| &**r))
    }

    /// Forgets every record expired at `now`, shard by shard: what a claim
    /// does before refusing a key. Each record is forgotten once, so this
    /// costs the claims that trigger it little on average: a look at each
    /// shard's earliest expiry, plus the records that expired since.
    fn expire_all(&self, now: u64) -> Result<(), IdempotencyStoreError> {
        for shard in &self.shards {
            let mut shard = shard.0.lock().map_err(poisoned)?;
            self.expire(&mut shard, now, usize::MAX)?;
        }
        Ok(())
    }

    fn claim_now(&self, request: &ClaimRequest<'_>) -> Result<Claim, IdempotencyStoreError> {
        let now = self.clock.now_ms();
        let refused = match self.attempt(request, now)? {
            Attempt::Done(claim) => return Ok(claim),
            Attempt::Full(_) | Attempt::OverQuota(_) => {
                // Refused only if it still is once nothing expired is held.
                self.expire_all(now)?;
                self.attempt(request, now)?
            }
        };
        match refused {
            Attempt::Done(claim) => Ok(claim),
            Attempt::Full(totals) => {
                tracing::warn!(records = totals.records, bytes = totals.bytes, "idempotency store full");
                Err(IdempotencyStoreError::new("the memory store is full"))
            }
            Attempt::OverQuota(usage) => {
                tracing::info!(records = usage.records, bytes = usage.bytes, "idempotency quota of a caller reached");
                Ok(Claim::OverQuota)
            }
        }
    }

    fn attempt(&self, request: &ClaimRequest<'_>, now: u64) -> Result<Attempt, IdempotencyStoreError> {
        let name = self.name(request.key);
        let mut shard = self.shard(name)?;
        let attempt = self.attempt_in(&mut shard, name, request, now)?;
        // Only after a claim that went through: a full store forgets every
        // expired record before its second try, not a few.
        if let Attempt::Done(_) = attempt {
            self.expire(&mut shard, now, EXPIRE_BATCH)?;
        }
        Ok(attempt)
    }

    fn attempt_in(
        &self,
        shard: &mut Shard,
        name: Name,
        request: &ClaimRequest<'_>,
        now: u64,
    ) -> Result<Attempt, IdempotencyStoreError> {
        let found = shard.get(name, request.key)?;
        let expired = found.as_ref().is_some_and(|r| r.expires <= now);
        if let Some(record) = found.filter(|_| !expired) {
            if record.fingerprint != request.fingerprint {
                return Ok(Attempt::Done(Claim::Mismatch));
            }
            match &record.state {
                State::Done(response) => return Ok(Attempt::Done(Claim::Replay(response.clone()))),
                State::Running { lock_expires, .. } if *lock_expires > now => {
                    return Ok(Attempt::Done(Claim::InProgress));
                }
                State::Running { .. } if !request.rerun_abandoned => return Ok(Attempt::Done(Claim::Abandoned)),
                State::Running { .. } => {}
            }
            let token = request.token;
            record.state = State::Running { token, lock_expires: later(now, request.lock_ttl) };
            shard.set_expiry(name, later(now, request.ttl.max(request.lock_ttl)));
            return Ok(Attempt::Done(Claim::Started(token)));
        }
        if expired && let Some(expired) = shard.remove(name) {
            self.uncount([&*expired])?;
        }
        let bytes = request.key.len() + RECORD_OVERHEAD;
        let owner = self.name(request.owner);
        let mut callers = self.callers(owner)?;
        let mut totals = self.totals()?;
        if totals.records >= self.max_records || totals.bytes.saturating_add(bytes) > self.max_bytes {
            return Ok(Attempt::Full(*totals));
        }
        let usage = callers.get(&owner).copied().unwrap_or_default();
        if usage.records >= self.max_records_per_caller || usage.bytes.saturating_add(bytes) > self.max_bytes_per_caller
        {
            return Ok(Attempt::OverQuota(usage));
        }
        let token = request.token;
        let usage = callers.entry(owner).or_default();
        usage.records += 1;
        usage.bytes += bytes;
        totals.records += 1;
        totals.bytes += bytes;
        drop(totals);
        drop(callers);
        let record = Box::new(Record {
            key: request.key.into(),
            owner,
            fingerprint: request.fingerprint,
            expires: later(now, request.ttl.max(request.lock_ttl)),
            state: State::Running { token, lock_expires: later(now, request.lock_ttl) },
            bytes,
        });
        shard.insert(name, record);
        Ok(Attempt::Done(Claim::Started(token)))
    }

    fn renew_now(&self, key: &str, token: LockToken, lock_ttl: Duration) -> Result<bool, IdempotencyStoreError> {
        let now = self.clock.now_ms();
        let name = self.name(key);
        let mut shard = self.shard(name)?;
        let Some(record) = shard.held(name, key, token, now) else { return Ok(false) };
        let lock_expires = later(now, lock_ttl);
        record.state = State::Running { token, lock_expires };
        let expires = record.expires.max(lock_expires);
        shard.set_expiry(name, expires);
        Ok(true)
    }

    fn complete_now(
        &self,
        key: &str,
        token: LockToken,
        response: &StoredResponse,
        ttl: Duration,
    ) -> Result<bool, IdempotencyStoreError> {
        let now = self.clock.now_ms();
        match self.complete_within(key, token, response, ttl, now, false)? {
            Completion::Done(held) => Ok(held),
            // Over a budget only if it still is once nothing expired is
            // held, as for a claim (the records' shards are not held here).
            Completion::OverBudget => {
                self.expire_all(now)?;
                match self.complete_within(key, token, response, ttl, now, true)? {
                    Completion::Done(held) => Ok(held),
                    Completion::OverBudget => Ok(true),
                }
            }
        }
    }

    /// Keeps `response` as the outcome of the request holding `key` with
    /// `token`. The outcome is kept whatever the budgets say: the request
    /// ran, and forgetting it could run it again. But a claim reserves only
    /// its key, so a caller's requests in flight together could each bring
    /// a body of up to `max_response_bytes` and overrun its quota and the
    /// store's. A body that would overrun either is `OverBudget` (nothing
    /// written), or with `drop_body` not kept, as one too large to keep is
    /// not: the retry gets the status and the result headers
    /// (`idempotency_response_not_kept`).
    fn complete_within(
        &self,
        key: &str,
        token: LockToken,
        response: &StoredResponse,
        ttl: Duration,
        now: u64,
        drop_body: bool,
    ) -> Result<Completion, IdempotencyStoreError> {
        let name = self.name(key);
        let mut shard = self.shard(name)?;
        let Some(record) = shard.held(name, key, token, now) else { return Ok(Completion::Done(false)) };
        let owner = record.owner;
        let old = record.bytes;
        let mut callers = self.callers(owner)?;
        let mut totals = self.totals()?;
        let mut bytes = key.len() + RECORD_OVERHEAD + response.size();
        let caller_bytes = callers.get(&owner).map_or(0, |usage| usage.bytes).saturating_sub(old);
        let store_bytes = totals.bytes.saturating_sub(old);
        let fits = caller_bytes + bytes <= self.max_bytes_per_caller && store_bytes + bytes <= self.max_bytes;
        let kept = if fits || response.body.is_none() {
            response.clone()
        } else if drop_body {
            tracing::info!(bytes, "idempotency budget reached: a response kept without its body");
            let headers_only = StoredResponse { body: None, ..response.clone() };
            bytes = key.len() + RECORD_OVERHEAD + headers_only.size();
            headers_only
        } else {
            return Ok(Completion::OverBudget);
        };
        record.state = State::Done(kept);
        record.bytes = bytes;
        shard.set_expiry(name, later(now, ttl));
        if let Some(usage) = callers.get_mut(&owner) {
            usage.bytes = usage.bytes - old + bytes;
        }
        totals.bytes = totals.bytes - old + bytes;
        Ok(Completion::Done(true))
    }

    fn release_now(&self, key: &str, token: LockToken) -> Result<bool, IdempotencyStoreError> {
        let now = self.clock.now_ms();
        let name = self.name(key);
        let mut shard = self.shard(name)?;
        if shard.held(name, key, token, now).is_none() {
            return Ok(false);
        }
        if let Some(record) = shard.remove(name) {
            self.uncount([&*record])?;
        }
        Ok(true)
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
    use proptest::prelude::*;

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
            token: LockToken::random().unwrap(),
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

    /// A claim reserves only its key: requests of one caller in flight
    /// together pass the quota, then bring their bodies. Those that would
    /// overrun it are kept without their bodies (the retry gets the status
    /// and headers, never a second run), so the quota holds.
    #[test]
    fn bodies_completed_together_stay_within_the_callers_bytes() {
        let store = MemoryIdempotencyStore::new(1_000, 1 << 20).per_caller(100, 10_000);
        let tokens: Vec<_> = (0..5)
            .map(|i| match claim(&store, &format!("k{i}"), 1) {
                Claim::Started(token) => token,
                other => panic!("{other:?}"),
            })
            .collect();
        let big = StoredResponse { status: 201, headers: vec![], body: Some(vec![b'x'; 3_000]) };
        for (i, token) in tokens.into_iter().enumerate() {
            assert!(block(store.complete(&format!("k{i}"), token, &big, Duration::from_secs(60))).unwrap());
        }
        assert!(store.bytes() <= 10_000, "{} bytes held against a 10 000-byte quota", store.bytes());
        let kept: Vec<bool> = (0..5)
            .map(|i| match claim(&store, &format!("k{i}"), 1) {
                Claim::Replay(stored) => {
                    assert_eq!(stored.status, 201);
                    stored.body.is_some()
                }
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(kept, [true, true, true, false, false]);
        // Another caller's keys are unaffected.
        assert!(matches!(claim_with(&store, "b", "bob", 1, Duration::from_secs(30), false), Claim::Started(_)));
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
            token: LockToken::random().unwrap(),
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
        let store = MemoryIdempotencyStore::new(100, 1 << 20).per_caller(100, 4300);
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

    // The tests below call the store's synchronous methods: its futures
    // only hand over a result computed when they were made.

    fn request<'a>(key: &'a str, owner: &'a str, ttl_ms: u64, lock_ms: u64) -> ClaimRequest<'a> {
        ClaimRequest {
            key,
            owner,
            fingerprint: [0; 32],
            lock_ttl: Duration::from_millis(lock_ms),
            ttl: Duration::from_millis(ttl_ms),
            rerun_abandoned: false,
            token: LockToken::random().unwrap(),
        }
    }

    fn started(store: &MemoryIdempotencyStore, key: &str, owner: &str, ttl_ms: u64) -> LockToken {
        match store.claim_now(&request(key, owner, ttl_ms, ttl_ms.min(30_000))) {
            Ok(Claim::Started(token)) => token,
            other => panic!("{key}: {other:?}"),
        }
    }

    #[test]
    fn expired_records_are_forgotten_a_few_per_claim_not_all_at_once() {
        let clock = ManualClock::new(1_000_000);
        let store =
            MemoryIdempotencyStore::new(1_000_000, usize::MAX).per_caller(usize::MAX, usize::MAX).clock(clock.clone());
        let old = 2_000;
        for i in 0..old {
            started(&store, &format!("old{i}"), "alice", 10);
        }
        assert_eq!(store.len(), old);
        clock.advance(Duration::from_millis(10));
        let (mut live, mut live_bytes) = (0, 0);
        while store.len() > live && live < 20_000 {
            let before = store.len();
            let key = format!("new{live}");
            started(&store, &key, "alice", 3_600_000);
            live += 1;
            live_bytes += key.len() + RECORD_OVERHEAD;
            let forgotten = before + 1 - store.len();
            assert!(forgotten <= EXPIRE_BATCH, "one claim forgot {forgotten} records");
        }
        assert_eq!(store.len(), live, "every expired record is forgotten as keys arrive");
        assert!(live > 1, "not all at once");
        assert_eq!(store.bytes(), live_bytes);
    }

    #[test]
    fn a_full_store_forgets_every_expired_record_before_refusing() {
        let clock = ManualClock::new(1_000_000);
        let store = MemoryIdempotencyStore::new(50, 1 << 20).per_caller(50, 1 << 20).clock(clock.clone());
        for i in 0..49 {
            started(&store, &format!("old{i}"), "alice", 10);
        }
        started(&store, "live", "alice", 3_600_000);
        clock.advance(Duration::from_millis(10));
        started(&store, "new", "alice", 3_600_000);
        assert_eq!(store.len(), 2, "all 49 expired records forgotten, the live one kept");
        for i in 0..48 {
            started(&store, &format!("more{i}"), "alice", 3_600_000);
        }
        assert!(store.claim_now(&request("one-too-many", "bob", 1000, 1000)).is_err());
        assert_eq!(store.len(), 50);
    }

    #[test]
    fn a_caller_whose_records_expired_gets_its_quota_back() {
        let clock = ManualClock::new(1_000_000);
        let store = MemoryIdempotencyStore::new(1_000, 1 << 20).per_caller(3, 1 << 20).clock(clock.clone());
        for key in ["a", "b", "c"] {
            started(&store, key, "alice", 10);
        }
        assert_eq!(store.claim_now(&request("d", "alice", 10, 10)), Ok(Claim::OverQuota));
        clock.advance(Duration::from_millis(10));
        started(&store, "d", "alice", 10);
    }

    #[test]
    fn an_expired_record_is_gone_for_its_holder_too() {
        let clock = ManualClock::new(1_000_000);
        let store = MemoryIdempotencyStore::default().clock(clock.clone());
        let token = started(&store, "k", "alice", 50);
        clock.advance(Duration::from_millis(50));
        // Whether or not it was forgotten yet: the same answer every time.
        assert_eq!(store.renew_now("k", token, Duration::from_secs(30)), Ok(false));
        assert_eq!(store.complete_now("k", token, &response("late"), Duration::from_secs(60)), Ok(false));
        assert_eq!(store.release_now("k", token), Ok(false));
        started(&store, "k", "alice", 50);
        assert_eq!(store.len(), 1);
    }

    /// A claim's key, caller and answer.
    type Outcome = (String, String, Result<Claim, IdempotencyStoreError>);

    #[test]
    fn concurrent_claims_start_each_key_once_and_keep_every_bound_exact() {
        const THREADS: usize = 4;
        let each = |f: &(dyn Fn(usize) -> Vec<Outcome> + Sync)| {
            std::thread::scope(|s| {
                let workers: Vec<_> = (0..THREADS).map(|t| s.spawn(move || f(t))).collect();
                workers.into_iter().flat_map(|w| w.join().expect("worker")).collect::<Vec<_>>()
            })
        };
        let started_per = |results: &[Outcome], by_owner: bool| {
            let mut counts = std::collections::BTreeMap::<String, usize>::new();
            for (key, owner, result) in results {
                if let Ok(Claim::Started(_)) = result {
                    *counts.entry(if by_owner { owner.clone() } else { key.clone() }).or_default() += 1;
                }
            }
            counts
        };

        // The same keys from every thread: each starts once; plus keys of
        // each thread's own, which all start.
        let store = MemoryIdempotencyStore::new(1_000_000, usize::MAX).per_caller(usize::MAX, usize::MAX);
        let results = each(&|t| {
            let mut out = Vec::new();
            for i in 0..500 {
                for key in [format!("shared{i}"), format!("own{t}-{i}")] {
                    let result = store.claim_now(&request(&key, "alice", 60_000, 30_000));
                    out.push((key, "alice".to_owned(), result));
                }
            }
            out
        });
        let counts = started_per(&results, false);
        assert_eq!(counts.len(), 500 + THREADS * 500);
        assert!(counts.values().all(|&n| n == 1), "a key started twice");
        assert!(results.iter().all(|(_, _, r)| matches!(r, Ok(Claim::Started(_) | Claim::InProgress))));
        let bytes: usize = counts.keys().map(|k| k.len() + RECORD_OVERHEAD).sum();
        assert_eq!((store.len(), store.bytes()), (counts.len(), bytes));
        // Finished and released from every thread: the totals follow.
        let tokens: Vec<_> = results
            .iter()
            .filter_map(|(key, _, r)| match r {
                Ok(Claim::Started(token)) => Some((key.clone(), *token)),
                _ => None,
            })
            .collect();
        let done = response("{}");
        std::thread::scope(|s| {
            for part in tokens.chunks(tokens.len().div_ceil(THREADS)) {
                let (store, done) = (&store, &done);
                s.spawn(move || {
                    for (i, (key, token)) in part.iter().enumerate() {
                        let ok = if i % 2 == 0 {
                            store.complete_now(key, *token, done, Duration::from_secs(60))
                        } else {
                            store.release_now(key, *token)
                        };
                        assert_eq!(ok, Ok(true));
                    }
                });
            }
        });
        let kept: Vec<_> = tokens.chunks(tokens.len().div_ceil(THREADS)).flat_map(|c| c.iter().step_by(2)).collect();
        let bytes: usize = kept.iter().map(|(k, _)| k.len() + RECORD_OVERHEAD + done.size()).sum();
        assert_eq!((store.len(), store.bytes()), (kept.len(), bytes));

        // Four callers sharing every thread: each starts exactly its quota.
        let store = MemoryIdempotencyStore::new(1_000_000, usize::MAX).per_caller(25, usize::MAX);
        let results = each(&|t| {
            (0..200)
                .map(|i| {
                    let (key, owner) = (format!("k{t}-{i}"), format!("caller{}", i % 4));
                    let result = store.claim_now(&request(&key, &owner, 60_000, 30_000));
                    (key, owner, result)
                })
                .collect()
        });
        assert_eq!(
            started_per(&results, true),
            (0..4).map(|o| (format!("caller{o}"), 25)).collect::<std::collections::BTreeMap<_, _>>()
        );
        assert!(results.iter().all(|(_, _, r)| matches!(r, Ok(Claim::Started(_) | Claim::OverQuota))));
        assert_eq!(store.len(), 100);

        // The whole store's bound: exactly that many keys start.
        let store = MemoryIdempotencyStore::new(300, usize::MAX).per_caller(usize::MAX, usize::MAX);
        let results = each(&|t| {
            (0..200)
                .map(|i| {
                    let key = format!("k{t}-{i}");
                    let result = store.claim_now(&request(&key, "alice", 60_000, 30_000));
                    (key, "alice".to_owned(), result)
                })
                .collect()
        });
        assert_eq!(started_per(&results, false).len(), 300);
        assert_eq!(results.iter().filter(|(_, _, r)| r.is_err()).count(), THREADS * 200 - 300);
        assert_eq!(store.len(), 300);
    }

    /// The store's decisions, written plainly: one map, expired records
    /// dropped before every operation.
    #[derive(Debug, Default)]
    struct Model {
        records: HashMap<String, ModelRecord>,
    }

    #[derive(Debug)]
    struct ModelRecord {
        owner: String,
        fingerprint: u8,
        expires: u64,
        lock: Option<(LockToken, u64)>,
        response: Option<StoredResponse>,
        bytes: usize,
    }

    const MAX_RECORDS: usize = 5;
    const MAX_BYTES: usize = 1_200;
    const CALLER_RECORDS: usize = 3;
    const CALLER_BYTES: usize = 700;

    impl Model {
        fn usage<'a>(&'a self, owner: Option<&'a str>) -> (usize, usize) {
            let mine = self.records.values().filter(|r| owner.is_none_or(|o| r.owner == o));
            mine.fold((0, 0), |(n, b), r| (n + 1, b + r.bytes))
        }

        fn forget_expired(&mut self, now: u64) {
            self.records.retain(|_, r| r.expires > now);
        }

        /// `Err(())`: the store is full. `token` is the one a start takes.
        fn claim(&mut self, now: u64, op: &ClaimOp, token: LockToken) -> Result<Claim, ()> {
            self.forget_expired(now);
            let key = KEYS[op.key];
            if let Some(r) = self.records.get_mut(key) {
                if r.fingerprint != op.fingerprint {
                    return Ok(Claim::Mismatch);
                }
                if let Some(response) = &r.response {
                    return Ok(Claim::Replay(response.clone()));
                }
                match r.lock {
                    Some((_, lock_expires)) if lock_expires > now => return Ok(Claim::InProgress),
                    _ if !op.rerun => return Ok(Claim::Abandoned),
                    _ => {}
                }
                r.lock = Some((token, now + op.lock_ms));
                r.expires = now + op.ttl_ms.max(op.lock_ms);
                return Ok(Claim::Started(token));
            }
            let bytes = key.len() + RECORD_OVERHEAD;
            let (n, b) = self.usage(None);
            if n >= MAX_RECORDS || b + bytes > MAX_BYTES {
                return Err(());
            }
            let (n, b) = self.usage(Some(OWNERS[op.owner]));
            if n >= CALLER_RECORDS || b + bytes > CALLER_BYTES {
                return Ok(Claim::OverQuota);
            }
            let record = ModelRecord {
                owner: OWNERS[op.owner].to_owned(),
                fingerprint: op.fingerprint,
                expires: now + op.ttl_ms.max(op.lock_ms),
                lock: Some((token, now + op.lock_ms)),
                response: None,
                bytes,
            };
            self.records.insert(key.to_owned(), record);
            Ok(Claim::Started(token))
        }

        fn held(&mut self, now: u64, key: &str, token: LockToken) -> Option<&mut ModelRecord> {
            self.forget_expired(now);
            self.records.get_mut(key).filter(|r| r.response.is_none() && r.lock.is_some_and(|(t, _)| t == token))
        }
    }

    const KEYS: [&str; 6] = ["a", "bb", "ccc", "dddd", "eeeee", "ffffff"];
    const OWNERS: [&str; 3] = ["alice", "bob", "carol"];

    #[derive(Debug, Clone)]
    struct ClaimOp {
        key: usize,
        owner: usize,
        fingerprint: u8,
        lock_ms: u64,
        ttl_ms: u64,
        rerun: bool,
    }

    #[derive(Debug, Clone)]
    enum Op {
        Claim(ClaimOp),
        /// With the key's last token, or another one.
        Complete {
            key: usize,
            right_token: bool,
            body: usize,
            ttl_ms: u64,
        },
        Release {
            key: usize,
            right_token: bool,
        },
        Renew {
            key: usize,
            right_token: bool,
            lock_ms: u64,
        },
        Advance(u64),
        /// Forget every expired record now: then the store holds what the
        /// model does.
        Settle,
    }

    fn op() -> impl Strategy<Value = Op> {
        let key = 0..KEYS.len();
        prop_oneof![
            4 => (key.clone(), 0..OWNERS.len(), 0..2u8, 0..40u64, 0..80u64, any::<bool>()).prop_map(
                |(key, owner, fingerprint, lock_ms, ttl_ms, rerun)| {
                    Op::Claim(ClaimOp { key, owner, fingerprint, lock_ms, ttl_ms, rerun })
                }
            ),
            2 => (key.clone(), prop::bool::weighted(0.8), 0..300usize, 0..80u64)
                .prop_map(|(key, right_token, body, ttl_ms)| Op::Complete { key, right_token, body, ttl_ms }),
            1 => (key.clone(), prop::bool::weighted(0.8)).prop_map(|(key, right_token)| Op::Release { key, right_token }),
            1 => (key, prop::bool::weighted(0.8), 0..60u64)
                .prop_map(|(key, right_token, lock_ms)| Op::Renew { key, right_token, lock_ms }),
            2 => (0..50u64).prop_map(Op::Advance),
            1 => Just(Op::Settle),
        ]
    }

    proptest! {
        #[test]
        fn the_sharded_store_decides_as_a_plain_map_does(ops in prop::collection::vec(op(), 1..120)) {
            let clock = ManualClock::new(1_000_000);
            let store = MemoryIdempotencyStore::new(MAX_RECORDS, MAX_BYTES)
                .per_caller(CALLER_RECORDS, CALLER_BYTES)
                .clock(clock.clone());
            let mut model = Model::default();
            let mut tokens: HashMap<usize, LockToken> = HashMap::new();
            for op in ops {
                let now = clock.now_ms();
                let token = |key: usize, right: bool| {
                    let token = tokens.get(&key).copied().unwrap_or(LockToken(u128::MAX));
                    if right { token } else { LockToken(token.0 ^ 1) }
                };
                match op {
                    Op::Claim(op) => {
                        let request = ClaimRequest {
                            key: KEYS[op.key],
                            owner: OWNERS[op.owner],
                            fingerprint: [op.fingerprint; 32],
                            lock_ttl: Duration::from_millis(op.lock_ms),
                            ttl: Duration::from_millis(op.ttl_ms),
                            rerun_abandoned: op.rerun,
                            token: LockToken::random().unwrap(),
                        };
                        let got = store.claim_now(&request);
                        let taken = match got {
                            Ok(Claim::Started(token)) => token,
                            _ => LockToken(0),
                        };
                        let want = model.claim(now, &op, taken);
                        prop_assert_eq!(got.as_ref().map_err(|_| ()), want.as_ref().map_err(|_| ()), "{:?}", op);
                        if let Ok(Claim::Started(token)) = got {
                            tokens.insert(op.key, token);
                        }
                    }
                    Op::Complete { key, right_token, body, ttl_ms } => {
                        let token = token(key, right_token);
                        let response = StoredResponse { status: 200, headers: vec![], body: Some(vec![b'x'; body]) };
                        let got = store.complete_now(KEYS[key], token, &response, Duration::from_millis(ttl_ms));
                        // A body that would take its caller or the store past
                        // its live bytes is not kept.
                        let held = model.held(now, KEYS[key], token).map(|r| (r.owner.clone(), r.bytes));
                        let want = held.map(|(owner, old)| {
                            let size = KEYS[key].len() + RECORD_OVERHEAD + response.size();
                            let (_, caller) = model.usage(Some(&owner));
                            let (_, total) = model.usage(None);
                            let fits = caller - old + size <= CALLER_BYTES && total - old + size <= MAX_BYTES;
                            let kept = if fits { response.clone() } else { StoredResponse { body: None, ..response } };
                            let size = KEYS[key].len() + RECORD_OVERHEAD + kept.size();
                            if let Some(r) = model.records.get_mut(KEYS[key]) {
                                (r.response, r.lock, r.expires, r.bytes) = (Some(kept), None, now + ttl_ms, size);
                            }
                        });
                        prop_assert_eq!(got, Ok(want.is_some()));
                    }
                    Op::Release { key, right_token } => {
                        let token = token(key, right_token);
                        let got = store.release_now(KEYS[key], token);
                        let want = model.held(now, KEYS[key], token).is_some();
                        if want {
                            model.records.remove(KEYS[key]);
                        }
                        prop_assert_eq!(got, Ok(want));
                    }
                    Op::Renew { key, right_token, lock_ms } => {
                        let token = token(key, right_token);
                        let got = store.renew_now(KEYS[key], token, Duration::from_millis(lock_ms));
                        let want = model.held(now, KEYS[key], token).map(|r| {
                            r.lock = Some((token, now + lock_ms));
                            r.expires = r.expires.max(now + lock_ms);
                        });
                        prop_assert_eq!(got, Ok(want.is_some()));
                    }
                    Op::Advance(ms) => clock.advance(Duration::from_millis(ms)),
                    Op::Settle => {
                        store.expire_all(now).map_err(|e| TestCaseError::fail(e.to_string()))?;
                        model.forget_expired(now);
                        prop_assert_eq!((store.len(), store.bytes()), model.usage(None));
                    }
                }
                // Expired records not forgotten yet are the only difference.
                model.forget_expired(clock.now_ms());
                prop_assert!(store.len() >= model.records.len() && store.len() <= MAX_RECORDS);
                prop_assert!(store.bytes() <= MAX_BYTES, "{} bytes held", store.bytes());
            }
        }
    }
}
