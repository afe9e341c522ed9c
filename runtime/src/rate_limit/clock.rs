//! Time for the in-memory limiter, injectable so that window edges are
//! tested by moving a clock rather than by sleeping.
//!
//! Times are milliseconds since the Unix epoch in a `u64`: the unit every
//! algorithm and the Redis script share, and enough for the headers (which
//! speak whole seconds). The Redis limiter does not use a `Clock`: it takes
//! the Redis server's time, so that all app servers agree.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A source of the current time, in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + 'static {
    /// The current time in milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
}

/// The system's time, read from a monotonic clock anchored to the wall
/// clock once, at construction: a wall-clock step (NTP, an operator) never
/// moves a window backwards or forwards.
///
/// The monotonic clock is `quanta`'s (the CPU's time-stamp counter where it
/// is reliable, the OS clock otherwise), the one governor uses: a reading
/// costs about a third of `Instant::now()`'s, which on a virtual machine was
/// the largest single cost of an in-memory check.
#[derive(Debug, Clone)]
pub struct SystemClock {
    base_unix_ms: u64,
    clock: quanta::Clock,
    base: quanta::Instant,
}

impl SystemClock {
    /// Anchors to the wall clock now.
    pub fn new() -> SystemClock {
        let clock = quanta::Clock::new();
        let base = clock.now();
        let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or(Duration::ZERO);
        SystemClock { base_unix_ms: u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX), clock, base }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::new()
    }
}

impl Clock for SystemClock {
    #[inline]
    fn now_ms(&self) -> u64 {
        let elapsed = self.clock.now().saturating_duration_since(self.base);
        let ms = elapsed.as_secs().saturating_mul(1000).saturating_add(u64::from(elapsed.subsec_millis()));
        self.base_unix_ms.saturating_add(ms)
    }
}

/// A clock that moves only when told to; clones share one time. For tests.
///
/// ```
/// use std::time::Duration;
/// use apishield::rate_limit::{Clock, ManualClock};
///
/// let clock = ManualClock::new(1_700_000_000_000);
/// let handle = clock.clone();
/// handle.advance(Duration::from_secs(60));
/// assert_eq!(clock.now_ms(), 1_700_000_060_000);
/// ```
#[derive(Debug, Clone, Default)]
pub struct ManualClock {
    now_ms: Arc<AtomicU64>,
}

impl ManualClock {
    /// A clock reading `unix_ms`.
    pub fn new(unix_ms: u64) -> ManualClock {
        ManualClock { now_ms: Arc::new(AtomicU64::new(unix_ms)) }
    }

    /// Moves the time forward by `by` (saturating).
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
        let _ = self.now_ms.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |t| Some(t.saturating_add(by)));
    }

    /// Sets the time, backwards too (the limiters treat time that goes
    /// backwards as time that stands still).
    pub fn set(&self, unix_ms: u64) {
        self.now_ms.store(unix_ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> u64 {
        self.now_ms.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_clock_is_unix_time_and_never_goes_back() {
        let clock = SystemClock::new();
        let wall = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        let a = clock.now_ms();
        assert!(a.abs_diff(wall) < 1000, "{a} vs {wall}");
        let b = clock.now_ms();
        assert!(b >= a);
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
    }
}
