//! Where "now" comes from: one [`Clock`] for everything that needs the
//! time, so that tests move a clock instead of sleeping.
//!
//! | Who | Reads | Default clock | Set with |
//! | --- | --- | --- | --- |
//! | `MemoryRateLimiter` | milliseconds | [`MonotonicClock`] | `MemoryRateLimiter::with_clock` |
//! | `MemoryIdempotencyStore` | milliseconds | [`MonotonicClock`] | `.clock(..)` |
//! | `WebhookSigner`, `WebhookVerifier` | seconds | [`SystemClock`] | `.clock(..)` |
//! | `ApiKeyIssuer`, `ApiKeyVerifier` | seconds | [`SystemClock`] | `.clock(..)` |
//! | `JwtValidator` (builder), `JwtIssuer` | seconds | [`SystemClock`] | `.clock(..)` |
//! | `TokenService` (passes its time to the refresh-token stores) | seconds | [`SystemClock`] | `.clock(..)` |
//! | `MemoryDenylist` | seconds | [`SystemClock`] | `MemoryDenylist::with_clock` |
//!
//! Times compared with another machine's (a webhook's timestamp, a JWT's
//! `exp`, an API key's expiry) are read from the wall clock at every reading
//! ([`SystemClock`]), so a clock corrected by NTP is followed. Times that
//! only measure intervals inside this process (a rate-limit window, an
//! idempotency lock) come from a monotonic clock anchored to the wall clock
//! once ([`MonotonicClock`]): a wall-clock step never moves them, and a
//! reading is cheap. The Redis stores use the Redis server's clock for
//! their decisions, so app servers' clocks play no part there.
//!
//! ```
//! use std::time::Duration;
//! use apishield::time::{Clock, ManualClock};
//!
//! let clock = ManualClock::from_secs(1_700_000_000);
//! let handle = clock.clone(); // clones share one time
//! handle.advance(Duration::from_secs(61));
//! assert_eq!(clock.now_secs(), 1_700_000_061);
//! assert_eq!(clock.now_ms(), 1_700_000_061_000);
//! ```

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time, as Unix time.
pub trait Clock: Send + Sync + 'static {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    fn now_ms(&self) -> u64;

    /// Whole seconds since 1970-01-01T00:00:00Z (the unit of JWT
    /// `NumericDate`s, webhook timestamps and API-key records).
    fn now_secs(&self) -> i64 {
        i64::try_from(self.now_ms() / 1000).unwrap_or(i64::MAX)
    }
}

impl<C: Clock + ?Sized> Clock for Arc<C> {
    #[inline]
    fn now_ms(&self) -> u64 {
        (**self).now_ms()
    }

    #[inline]
    fn now_secs(&self) -> i64 {
        (**self).now_secs()
    }
}

/// The operating system's wall clock ([`SystemTime`]), read at every call.
/// A clock set before 1970 reads as 0.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| u64::try_from(since.as_millis()).unwrap_or(u64::MAX))
    }

    fn now_secs(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |since| i64::try_from(since.as_secs()).unwrap_or(i64::MAX))
    }
}

/// Unix time from a monotonic clock anchored to the wall clock once, at
/// construction: a wall-clock step (NTP, an operator) never moves it
/// backwards or forwards, which is what interval bookkeeping (rate-limit
/// windows, idempotency locks) needs.
///
/// The monotonic clock is `quanta`'s (the CPU's time-stamp counter where it
/// is reliable, the OS clock otherwise), the one governor uses: a reading
/// costs about a third of `Instant::now()`'s, which on a virtual machine was
/// the largest single cost of an in-memory rate-limit check.
#[derive(Debug, Clone)]
pub struct MonotonicClock {
    base_unix_ms: u64,
    clock: quanta::Clock,
    base: quanta::Instant,
}

impl MonotonicClock {
    /// Anchors to the wall clock now.
    pub fn new() -> MonotonicClock {
        let clock = quanta::Clock::new();
        let base = clock.now();
        MonotonicClock { base_unix_ms: SystemClock.now_ms(), clock, base }
    }
}

impl Default for MonotonicClock {
    fn default() -> Self {
        MonotonicClock::new()
    }
}

impl Clock for MonotonicClock {
    #[inline]
    fn now_ms(&self) -> u64 {
        let elapsed = self.clock.now().saturating_duration_since(self.base);
        let ms = elapsed.as_secs().saturating_mul(1000).saturating_add(u64::from(elapsed.subsec_millis()));
        self.base_unix_ms.saturating_add(ms)
    }
}

/// A clock that moves only when told to; clones share one time. For tests.
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    now_ms: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock reading `unix_ms` milliseconds.
    pub fn new(unix_ms: u64) -> ManualClock {
        ManualClock { now_ms: Arc::new(AtomicU64::new(unix_ms)) }
    }

    /// A clock reading `unix_secs` seconds (0 if negative).
    pub fn from_secs(unix_secs: i64) -> ManualClock {
        ManualClock::new(secs_to_ms(unix_secs))
    }

    /// Moves the time forward by `by` (saturating).
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let _ = self.now_ms.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| Some(t.saturating_add(by)));
    }

    /// Sets the time in milliseconds, backwards too (a rate limiter treats
    /// time that goes backwards as time that stands still).
    pub fn set(&self, unix_ms: u64) {
        self.now_ms.store(unix_ms, Ordering::SeqCst);
    }

    /// Sets the time in seconds (0 if negative).
    pub fn set_secs(&self, unix_secs: i64) {
        self.set(secs_to_ms(unix_secs));
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.now_ms.load(Ordering::SeqCst)
    }
}

fn secs_to_ms(unix_secs: i64) -> u64 {
    u64::try_from(unix_secs).unwrap_or(0).saturating_mul(1000)
}

/// A clock behind one type, for the configuration types that hold one
/// (webhook signers and verifiers, API-key and JWT types, the memory
/// idempotency store).
#[derive(Clone)]
pub(crate) struct SharedClock(Arc<dyn Clock>);

impl SharedClock {
    pub(crate) fn new(clock: impl Clock) -> Self {
        SharedClock(Arc::new(clock))
    }

    /// The wall clock, [`SystemClock`].
    pub(crate) fn system() -> Self {
        SharedClock::new(SystemClock)
    }

    /// A monotonic clock anchored now, [`MonotonicClock`].
    pub(crate) fn monotonic() -> Self {
        SharedClock::new(MonotonicClock::new())
    }
}

impl Clock for SharedClock {
    #[inline]
    fn now_ms(&self) -> u64 {
        self.0.now_ms()
    }

    #[inline]
    fn now_secs(&self) -> i64 {
        self.0.now_secs()
    }
}

impl fmt::Debug for SharedClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Clock")
    }
}

/// A configured duration in whole seconds, saturating instead of wrapping.
pub(crate) fn secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clocks_are_unix_time_and_the_monotonic_one_never_goes_back() {
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        let monotonic = MonotonicClock::new();
        let a = monotonic.now_ms();
        assert!(a.abs_diff(wall) < 1000, "{a} vs {wall}");
        assert!(monotonic.now_ms() >= a);
        assert!(SystemClock.now_ms().abs_diff(wall) < 1000);
        assert!((SystemClock.now_secs() - (wall / 1000) as i64).abs() <= 1);
    }

    #[test]
    fn manual_clock_moves_when_told() {
        let clock = ManualClock::new(5);
        clock.advance(Duration::from_millis(10));
        assert_eq!(clock.now_ms(), 15);
        clock.set(1);
        assert_eq!(clock.now_ms(), 1);
        clock.set(u64::MAX - 1);
        clock.advance(Duration::from_secs(1));
        assert_eq!(clock.now_ms(), u64::MAX);
        clock.set_secs(1_700_000_000);
        assert_eq!((clock.now_secs(), clock.now_ms()), (1_700_000_000, 1_700_000_000_000));
        assert_eq!(ManualClock::from_secs(-5).now_secs(), 0);
        let shared = SharedClock::new(clock.clone());
        clock.advance(Duration::from_millis(2_500));
        assert_eq!(shared.now_secs(), 1_700_000_002);
    }
}
