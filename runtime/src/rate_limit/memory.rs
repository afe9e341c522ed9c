//! The in-memory limiter: sharded maps, idle-key sweeping, the key cap.

use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use super::algorithm::{Cells, KeyState, Logs, Results};
use super::decision::RateLimitDecision;
use super::key::{Fingerprint, RateLimitKey};
use super::policy::{Algorithm, RateLimitPolicy};
use super::{RateLimitError, RateLimiter};
use crate::store::{BoxFuture, PassThrough};
use crate::time::{Clock, MonotonicClock};

/// Default [`MemoryOptions::max_keys`]: 1,048,576 keys.
pub(crate) const DEFAULT_MAX_KEYS: usize = 1 << 20;
/// Default [`MemoryOptions::sweep_interval`]: 10 seconds.
pub(crate) const DEFAULT_SWEEP_INTERVAL: Duration = Duration::from_secs(10);

/// How a [`MemoryRateLimiter`] sizes itself.
///
/// ```
/// use std::time::Duration;
/// use apishield::rate_limit::MemoryOptions;
///
/// let options = MemoryOptions::default().max_keys(100_000).sweep_interval(Duration::from_secs(30));
/// assert_eq!(options.get_max_keys(), 100_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryOptions {
    max_keys: usize,
    shards: usize,
    sweep_interval: Duration,
}

impl Default for MemoryOptions {
    fn default() -> Self {
        MemoryOptions { max_keys: DEFAULT_MAX_KEYS, shards: 0, sweep_interval: DEFAULT_SWEEP_INTERVAL }
    }
}

impl MemoryOptions {
    /// Most keys tracked at once (default 1,048,576). Spread
    /// evenly over the shards; a full shard drops idle keys, then its least
    /// recently used half.
    #[must_use]
    pub fn max_keys(mut self, max_keys: usize) -> Self {
        self.max_keys = max_keys.max(1);
        self
    }

    /// Number of shards, rounded up to a power of two (default: 32 per core,
    /// between 64 and 1024).
    #[must_use]
    pub fn shards(mut self, shards: usize) -> Self {
        self.shards = shards.clamp(1, 1 << 16);
        self
    }

    /// How often a shard in use is swept of idle keys (default 10 s).
    #[must_use]
    pub fn sweep_interval(mut self, interval: Duration) -> Self {
        self.sweep_interval = interval;
        self
    }

    /// The configured [`max_keys`](MemoryOptions::max_keys).
    pub fn get_max_keys(&self) -> usize {
        self.max_keys
    }

    fn shard_count(&self) -> usize {
        if self.shards > 0 {
            return self.shards.next_power_of_two();
        }
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        cores.saturating_mul(32).next_power_of_two().clamp(64, 1024)
    }
}

struct ShardMap<S> {
    entries: HashMap<Fingerprint, S, PassThrough>,
    next_sweep_ms: u64,
}

/// One shard, on cache lines of its own so that two cores working on two
/// shards do not share a line.
#[repr(align(128))]
struct Shard<S> {
    map: Mutex<ShardMap<S>>,
}

struct Shards<S> {
    shards: Box<[Shard<S>]>,
    mask: usize,
}

impl<S: KeyState> Shards<S> {
    fn new(count: usize) -> Self {
        let shards = (0..count)
            .map(|_| Shard {
                map: Mutex::new(ShardMap { entries: HashMap::with_hasher(PassThrough), next_sweep_ms: 0 }),
            })
            .collect();
        Shards { shards, mask: count - 1 }
    }

    #[inline]
    fn lock(&self, fp: Fingerprint) -> MutexGuard<'_, ShardMap<S>> {
        // The low bits of `hi`: independent of the bits the map uses.
        let shard = &self.shards[(fp.hi as usize) & self.mask];
        // A panic while holding the lock cannot leave a state half-written
        // (each write is one integer), so a poisoned lock is still usable.
        shard.map.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn each(&self, mut f: impl FnMut(&mut ShardMap<S>)) {
        for shard in self.shards.iter() {
            f(&mut shard.map.lock().unwrap_or_else(PoisonError::into_inner));
        }
    }
}

/// The state type follows the policy: `Cells<N>` stores exactly N windows
/// inline (no allocation per key), `Logs` the sliding log's entries.
enum Store {
    W1(Shards<Cells<1>>),
    W2(Shards<Cells<2>>),
    W3(Shards<Cells<3>>),
    W4(Shards<Cells<4>>),
    Log(Shards<Logs>),
}

/// Rate limiting in this process's memory: sharded maps from key
/// fingerprints to a few integers of state, with idle keys evicted and a
/// hard cap on keys.
///
/// * **Exact under concurrency.** A key's state is read, decided and written
///   under its shard's lock, so concurrent requests are serialised per key:
///   2,000 simultaneous requests against a limit of 100 admit exactly 100.
/// * **Low contention.** Keys spread over many shards (by default 32 per
///   core, at least 64), each a cache-line-aligned mutex around a hash map,
///   so two requests for different keys rarely wait on each other; the lock
///   is held for a map lookup and a few multiplications.
/// * **Small state.** A key is stored as its 128-bit fingerprint (see
///   [`RateLimitKey`]: no key string is copied, allocated, hashed or
///   compared on the request path), with 8 bytes per window plus 8 for its
///   last use (token bucket and sliding window); the sliding log keeps up
///   to `limit` entries per key and window on top.
/// * **Bounded memory.** Idle keys, whose state no longer changes any
///   decision, are swept from a shard every
///   [`MemoryOptions::sweep_interval`] as it is used (and from all shards by
///   [`sweep`](MemoryRateLimiter::sweep)); and a shard never holds more than
///   its share of [`MemoryOptions::max_keys`]: when full, it first drops
///   idle keys, then the least recently used half, logging a warning. Those
///   keys start afresh: the price of bounded memory under a flood of
///   distinct keys.
///
/// One limiter enforces one [`RateLimitPolicy`]; a server with tiers keeps a
/// limiter per tier. [`check_now`](MemoryRateLimiter::check_now) decides
/// synchronously; the [`RateLimiter`] impl wraps it in a ready future.
///
/// ```
/// use apishield::rate_limit::{MemoryRateLimiter, RateLimitKey, RateLimitPolicy};
///
/// let limiter = MemoryRateLimiter::new(RateLimitPolicy::unauthenticated());
/// let client = RateLimitKey::client_ip("198.51.100.4".parse().unwrap());
/// let allowed = (0..25).filter(|_| limiter.check_now(&client, 1).unwrap().is_allowed()).count();
/// assert_eq!(allowed, 20); // 20 per minute
/// ```
pub struct MemoryRateLimiter<C: Clock = MonotonicClock> {
    policy: RateLimitPolicy,
    max_cost: u32,
    clock: C,
    store: Store,
    shard_count: usize,
    per_shard: usize,
    sweep_ms: u64,
    options: MemoryOptions,
    evicted: AtomicU64,
    last_warning_ms: AtomicU64,
    /// One past the clock reading of the latest decision that counted a
    /// cost; 0 before any did. With `horizon_ms`, what [`untouched`](RateLimiter::untouched) reads.
    last_spent_ms: AtomicU64,
    /// How long a counted cost can still lower a budget: twice the longest
    /// time a window takes to refill (the sliding window weighs the
    /// previous window too; a token bucket's burst refills over several
    /// periods).
    horizon_ms: u64,
}

impl MemoryRateLimiter<MonotonicClock> {
    /// A limiter for `policy` on a [`MonotonicClock`], with default options.
    pub fn new(policy: RateLimitPolicy) -> Self {
        MemoryRateLimiter::with_options(policy, MonotonicClock::new(), MemoryOptions::default())
    }
}

impl<C: Clock> MemoryRateLimiter<C> {
    /// A limiter for `policy` on `clock` (a [`ManualClock`](crate::time::ManualClock)
    /// in tests), with default options.
    pub fn with_clock(policy: RateLimitPolicy, clock: C) -> Self {
        MemoryRateLimiter::with_options(policy, clock, MemoryOptions::default())
    }

    /// A limiter for `policy` on `clock` with `options`.
    pub fn with_options(policy: RateLimitPolicy, clock: C, options: MemoryOptions) -> Self {
        let shard_count = options.shard_count();
        let store = match (policy.algorithm(), policy.specs().len()) {
            (Algorithm::SlidingLog, _) => Store::Log(Shards::new(shard_count)),
            (_, 1) => Store::W1(Shards::new(shard_count)),
            (_, 2) => Store::W2(Shards::new(shard_count)),
            (_, 3) => Store::W3(Shards::new(shard_count)),
            _ => Store::W4(Shards::new(shard_count)),
        };
        let horizon_ms = horizon_ms(&policy);
        MemoryRateLimiter {
            max_cost: policy.max_cost(),
            policy,
            clock,
            store,
            shard_count,
            per_shard: options.max_keys.div_ceil(shard_count).max(1),
            sweep_ms: u64::try_from(options.sweep_interval.as_millis()).unwrap_or(u64::MAX),
            options,
            evicted: AtomicU64::new(0),
            last_warning_ms: AtomicU64::new(0),
            last_spent_ms: AtomicU64::new(0),
            horizon_ms,
        }
    }

    /// The policy.
    pub fn policy(&self) -> &RateLimitPolicy {
        &self.policy
    }

    /// Decides a request of `cost` units (1 for a plain request; more for an
    /// expensive endpoint; 0 to read the state without counting) for `key`:
    /// counted in every window if every window has room, otherwise counted
    /// nowhere. A cost above the policy's
    /// [`max_cost`](RateLimitPolicy::max_cost) could never pass and is an
    /// error.
    #[inline]
    pub fn check_now(&self, key: &RateLimitKey, cost: u32) -> Result<RateLimitDecision, RateLimitError> {
        if cost > self.max_cost {
            return Err(RateLimitError::CostExceedsCapacity { cost, capacity: self.max_cost });
        }
        let fp = key.fingerprint();
        let now = self.clock.now_ms();
        let mut results = Results::default();
        let (allowed, at) = match &self.store {
            Store::W1(s) => self.decide(s, fp, now, cost, &mut results),
            Store::W2(s) => self.decide(s, fp, now, cost, &mut results),
            Store::W3(s) => self.decide(s, fp, now, cost, &mut results),
            Store::W4(s) => self.decide(s, fp, now, cost, &mut results),
            Store::Log(s) => self.decide(s, fp, now, cost, &mut results),
        };
        if allowed && cost > 0 {
            let spent = now.saturating_add(1);
            // A store only when the reading moved on (once a millisecond at
            // most), not an atomic write per request.
            if self.last_spent_ms.load(Ordering::Relaxed) < spent {
                self.last_spent_ms.fetch_max(spent, Ordering::Release);
            }
        }
        Ok(RateLimitDecision::counted(&self.policy, allowed, at, &results))
    }

    /// Number of keys tracked now (locks every shard in turn: for tests and
    /// metrics, not for the request path).
    pub fn tracked_keys(&self) -> usize {
        let mut n = 0;
        self.each_shard(|len| n += len);
        n
    }

    /// Keys dropped while they still counted something, because their shard
    /// was full. Non-zero means `max_keys` is too small for the traffic (or
    /// a flood of distinct keys is under way).
    pub fn evicted_active_keys(&self) -> u64 {
        self.evicted.load(Ordering::Relaxed)
    }

    /// Drops every idle key now, in every shard, and returns the unused
    /// capacity of the maps. Shards in use do this by themselves every
    /// sweep interval; call it from a timer if traffic may stop entirely
    /// after a flood and the memory must come back anyway.
    pub fn sweep(&self) {
        let now = self.clock.now_ms();
        let (algorithm, specs, interval) = (self.policy.algorithm(), self.policy.specs(), self.sweep_ms);
        match &self.store {
            Store::W1(s) => s.each(|m| sweep(m, algorithm, specs, now, interval)),
            Store::W2(s) => s.each(|m| sweep(m, algorithm, specs, now, interval)),
            Store::W3(s) => s.each(|m| sweep(m, algorithm, specs, now, interval)),
            Store::W4(s) => s.each(|m| sweep(m, algorithm, specs, now, interval)),
            Store::Log(s) => s.each(|m| sweep(m, algorithm, specs, now, interval)),
        }
    }

    fn each_shard(&self, mut f: impl FnMut(usize)) {
        match &self.store {
            Store::W1(s) => s.each(|m| f(m.entries.len())),
            Store::W2(s) => s.each(|m| f(m.entries.len())),
            Store::W3(s) => s.each(|m| f(m.entries.len())),
            Store::W4(s) => s.each(|m| f(m.entries.len())),
            Store::Log(s) => s.each(|m| f(m.entries.len())),
        }
    }

    #[inline]
    fn decide<S: KeyState>(
        &self,
        shards: &Shards<S>,
        fp: Fingerprint,
        now: u64,
        cost: u32,
        out: &mut Results,
    ) -> (bool, u64) {
        let (algorithm, specs) = (self.policy.algorithm(), self.policy.specs());
        let mut guard = shards.lock(fp);
        let map = &mut *guard;
        if now >= map.next_sweep_ms {
            sweep(map, algorithm, specs, now, self.sweep_ms);
        }
        if let Some(state) = map.entries.get_mut(&fp) {
            let at = now.max(state.last_ms());
            return (state.decide(algorithm, specs, at, cost, out), at);
        }
        // A key never seen (or forgotten while idle, which is the same).
        let mut state = S::fresh(specs, now);
        let allowed = state.decide(algorithm, specs, now, cost, out);
        if allowed && cost > 0 {
            if map.entries.len() >= self.per_shard {
                self.make_room(map, now);
            }
            map.entries.insert(fp, state);
        }
        (allowed, now)
    }

    /// Frees room in a full shard: idle keys first, then every key used
    /// less recently than the shard's average.
    #[cold]
    fn make_room<S: KeyState>(&self, map: &mut ShardMap<S>, now: u64) {
        let (algorithm, specs) = (self.policy.algorithm(), self.policy.specs());
        sweep(map, algorithm, specs, now, self.sweep_ms);
        let len = map.entries.len();
        if len < self.per_shard {
            return;
        }
        let total_age: u128 = map.entries.values().map(|s| u128::from(now.saturating_sub(s.last_ms()))).sum();
        let mean_age = u64::try_from(total_age / len as u128).unwrap_or(u64::MAX);
        map.entries.retain(|_, s| now.saturating_sub(s.last_ms()) < mean_age);
        let dropped = (len - map.entries.len()) as u64;
        self.evicted.fetch_add(dropped, Ordering::Relaxed);
        // One warning per 10 s at most: a flood must not become a log flood.
        let last = self.last_warning_ms.load(Ordering::Relaxed);
        if now.saturating_sub(last) >= 10_000
            && self.last_warning_ms.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            tracing::warn!(
                dropped,
                max_keys = self.options.max_keys,
                evicted_total = self.evicted.load(Ordering::Relaxed),
                "rate limiter full: dropped keys that were still counting (raise max_keys, or a flood of distinct keys is under way)"
            );
        }
    }
}

/// Drops a shard's idle keys and, when it has shrunk to a quarter of its
/// capacity, gives memory back.
fn sweep<S: KeyState>(
    map: &mut ShardMap<S>,
    algorithm: Algorithm,
    specs: &[super::policy::Spec],
    now: u64,
    interval_ms: u64,
) {
    map.entries.retain(|_, s| !s.is_idle(algorithm, specs, now));
    let (len, capacity) = (map.entries.len(), map.entries.capacity());
    if capacity > 64 && len.saturating_mul(4) < capacity {
        map.entries.shrink_to(len.saturating_mul(2));
    }
    map.next_sweep_ms = now.saturating_add(interval_ms);
}

impl<C: Clock> RateLimiter for MemoryRateLimiter<C> {
    fn check<'a>(
        &'a self,
        key: &'a RateLimitKey,
        cost: u32,
    ) -> BoxFuture<'a, Result<RateLimitDecision, RateLimitError>> {
        Box::pin(std::future::ready(self.check_now(key, cost)))
    }

    fn policy(&self) -> &RateLimitPolicy {
        &self.policy
    }

    fn check_in_place(&self, key: &RateLimitKey, cost: u32) -> Option<Result<RateLimitDecision, RateLimitError>> {
        Some(self.check_now(key, cost))
    }

    fn untouched(&self) -> bool {
        match self.last_spent_ms.load(Ordering::Acquire) {
            0 => true,
            spent => self.clock.now_ms().saturating_sub(spent - 1) >= self.horizon_ms,
        }
    }
}

/// [`MemoryRateLimiter::horizon_ms`] of `policy`.
fn horizon_ms(policy: &RateLimitPolicy) -> u64 {
    let refill = |w: &crate::rate_limit::Window| {
        let periods = w.burst_capacity().div_ceil(w.limit().max(1)).max(1);
        w.period().saturating_mul(periods)
    };
    let longest = policy.windows().iter().map(refill).max().unwrap_or_default();
    u64::try_from(longest.as_millis()).unwrap_or(u64::MAX).saturating_mul(2)
}

impl<C: Clock> fmt::Debug for MemoryRateLimiter<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryRateLimiter")
            .field("policy", &self.policy)
            .field("shards", &self.shard_count)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate_limit::Window;
    use crate::time::ManualClock;

    #[test]
    fn a_full_shard_drops_idle_keys_then_the_least_recently_used() {
        let clock = ManualClock::new(1_000_000);
        let policy = RateLimitPolicy::new(Algorithm::TokenBucket, [Window::per_minute(10)]).unwrap();
        let options = MemoryOptions::default().shards(1).max_keys(100).sweep_interval(Duration::from_secs(3600));
        let limiter = MemoryRateLimiter::with_options(policy, clock.clone(), options);
        let key = |i: usize| RateLimitKey::principal(format!("u{i}"));
        for i in 0..100 {
            clock.advance(Duration::from_millis(10));
            limiter.check_now(&key(i), 10).unwrap();
        }
        assert_eq!(limiter.tracked_keys(), 100);
        // The 101st key: nothing is idle (all buckets empty), so the older
        // half goes.
        limiter.check_now(&key(100), 1).unwrap();
        assert!(limiter.tracked_keys() <= 52, "{}", limiter.tracked_keys());
        assert!(limiter.evicted_active_keys() >= 49);
        // The most recent keys were kept: key 99 is still empty.
        assert!(!limiter.check_now(&key(99), 1).unwrap().is_allowed());
        // A minute later every bucket is full again: all idle, all swept.
        clock.advance(Duration::from_secs(61));
        limiter.sweep();
        assert_eq!(limiter.tracked_keys(), 0);
    }

    #[test]
    fn no_clock_reading_makes_the_arithmetic_overflow() {
        // Debug builds panic on overflow: run every algorithm at the ends of
        // the clock's range, with the largest quotas and periods.
        for algorithm in [Algorithm::TokenBucket, Algorithm::SlidingWindow, Algorithm::SlidingLog] {
            let windows = [
                Window::new("big", crate::rate_limit::MAX_QUOTA, crate::rate_limit::MAX_PERIOD),
                Window::new("tiny", 1, Duration::from_millis(1)),
            ];
            let policy = RateLimitPolicy::new(algorithm, windows).unwrap();
            for start in [0, 1, u64::MAX / 2, u64::MAX - 10_000, u64::MAX] {
                let clock = ManualClock::new(start);
                let limiter = MemoryRateLimiter::with_clock(policy.clone(), clock.clone());
                let key = RateLimitKey::principal("edge");
                for step in 0..5 {
                    let d = limiter.check_now(&key, 1).unwrap();
                    let _ = (d.headers(), d.reset_at_unix_secs(), d.retry_after());
                    clock.advance(Duration::from_millis(step * 3));
                }
                clock.set(0);
                limiter.check_now(&key, 1).unwrap();
                limiter.sweep();
            }
        }
    }

    #[test]
    fn untouched_until_a_cost_is_counted_and_again_after_the_horizon() {
        let clock = ManualClock::new(1_000_000);
        let policy = RateLimitPolicy::new(Algorithm::SlidingWindow, [Window::per_minute(10)]).unwrap();
        let limiter = MemoryRateLimiter::with_clock(policy, clock.clone());
        let key = RateLimitKey::principal("u");
        assert!(limiter.untouched());
        // Reads count nothing.
        limiter.check_now(&key, 0).unwrap();
        assert!(limiter.untouched());
        limiter.check_now(&key, 1).unwrap();
        assert!(!limiter.untouched());
        // The sliding window still weighs the last minute in the next one.
        clock.advance(Duration::from_secs(119));
        assert!(!limiter.untouched());
        clock.advance(Duration::from_secs(1));
        assert!(limiter.untouched());
    }

    #[test]
    fn a_token_buckets_horizon_is_the_time_its_burst_takes_to_refill() {
        let clock = ManualClock::new(1_000_000);
        let policy = RateLimitPolicy::new(Algorithm::TokenBucket, [Window::per_second(10).burst(100)]).unwrap();
        let limiter = MemoryRateLimiter::with_clock(policy, clock.clone());
        limiter.check_now(&RateLimitKey::principal("u"), 100).unwrap();
        clock.advance(Duration::from_secs(19));
        assert!(!limiter.untouched());
        clock.advance(Duration::from_secs(1));
        assert!(limiter.untouched());
    }

    proptest::proptest! {
        /// Whenever the limiter says it is untouched, every key's read is a
        /// fresh limiter's read: skipping the read changes no answer.
        #[test]
        fn untouched_means_every_budget_is_whole(
            algorithm in proptest::sample::select(vec![Algorithm::TokenBucket, Algorithm::SlidingWindow, Algorithm::SlidingLog]),
            limit in 1u32..6,
            period_ms in 1u64..5_000,
            ops in proptest::collection::vec((0usize..3, 0u32..4, 0u64..12_000), 1..60),
        ) {
            let window = Window::new("w", limit, Duration::from_millis(period_ms));
            let policy = RateLimitPolicy::new(algorithm, [window]).unwrap();
            let clock = ManualClock::new(5_000_000);
            let limiter = MemoryRateLimiter::with_clock(policy.clone(), clock.clone());
            let key = |i: usize| RateLimitKey::principal(format!("k{i}"));
            for (who, cost, wait) in ops {
                let _ = limiter.check_now(&key(who), cost.min(limit));
                clock.advance(Duration::from_millis(wait));
                if limiter.untouched() {
                    let fresh = MemoryRateLimiter::with_clock(policy.clone(), ManualClock::new(clock.now_ms()));
                    for i in 0..3 {
                        let read = limiter.check_now(&key(i), 0).unwrap();
                        let expected = fresh.check_now(&key(i), 0).unwrap();
                        proptest::prop_assert_eq!(read.is_allowed(), expected.is_allowed());
                        proptest::prop_assert_eq!(read.remaining(), expected.remaining());
                    }
                }
            }
        }
    }

    #[test]
    fn cost_above_the_smallest_window_is_an_error() {
        let limiter = MemoryRateLimiter::new(RateLimitPolicy::unauthenticated());
        let key = RateLimitKey::principal("x");
        assert_eq!(
            limiter.check_now(&key, 21).unwrap_err(),
            RateLimitError::CostExceedsCapacity { cost: 21, capacity: 20 }
        );
        // A zero cost reads without counting, and stores nothing.
        let d = limiter.check_now(&key, 0).unwrap();
        assert!(d.is_allowed());
        assert_eq!(d.remaining(), Some(20));
        assert_eq!(limiter.tracked_keys(), 0);
    }
}
