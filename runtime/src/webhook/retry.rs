//! `RetrySchedule`: when a sender tries a failed delivery again.

use std::time::Duration;

/// The first retry's ceiling: 5 seconds.
pub const DEFAULT_RETRY_BASE: Duration = Duration::from_secs(5);

/// The longest wait between two attempts: 12 hours.
pub const DEFAULT_RETRY_MAX_DELAY: Duration = Duration::from_secs(12 * 60 * 60);

/// Attempts of one delivery, the first included: 18 (the first and 17
/// retries).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 18;

/// Exponential backoff with full jitter, capped in delay and in attempts.
///
/// After the `n`-th failed attempt the sender waits a random time between
/// zero and `min(base × 2^(n-1), max_delay)` (the *ceiling*), drawn
/// uniformly: "full jitter", which spreads the retries of many deliveries
/// that failed together (a receiver's outage) instead of sending them back
/// in waves. After `max_attempts` attempts it gives up: disable the endpoint
/// and tell its owner through another channel.
///
/// The defaults (`RetrySchedule::default()`: base 5 s, cap 12 h, 18 attempts)
/// span about a day on average and two and a half at most, in line with the
/// Standard Webhooks recommendation of a schedule "spanning multiple days":
///
/// | after failed attempt | ceiling of the wait |
/// | --- | --- |
/// | 1 | 5 s |
/// | 2 | 10 s |
/// | 3 | 20 s |
/// | 4 | 40 s |
/// | 5 | 1 min 20 s |
/// | 6 | 2 min 40 s |
/// | 7 | 5 min 20 s |
/// | 8 | 10 min 40 s |
/// | 9 | 21 min 20 s |
/// | 10 | 42 min 40 s |
/// | 11 | 1 h 25 min 20 s |
/// | 12 | 2 h 50 min 40 s |
/// | 13 | 5 h 41 min 20 s |
/// | 14 | 11 h 22 min 40 s |
/// | 15, 16, 17 | 12 h (the cap) |
/// | 18 | none: give up |
///
/// The ceilings add up to 58 h 45 min; with full jitter the expected total
/// is half of that, 29 h 22 min.
///
/// Each attempt is signed again (new timestamp, same event id): see
/// [`WebhookSigner::sign_event`](super::WebhookSigner::sign_event). Honour a
/// receiver's `Retry-After` with [`next_delay_after`](Self::next_delay_after).
///
/// ```
/// use std::time::Duration;
/// use apishield::webhook::RetrySchedule;
///
/// let schedule = RetrySchedule::default();
/// assert_eq!(schedule.ceiling(1), Some(Duration::from_secs(5)));
/// assert_eq!(schedule.ceiling(16), Some(Duration::from_secs(12 * 3600)));
/// assert_eq!(schedule.ceiling(18), None);
/// let wait = schedule.next_delay(3).unwrap();
/// assert!(wait <= Duration::from_secs(20));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySchedule {
    base: Duration,
    max_delay: Duration,
    max_attempts: u32,
}

impl RetrySchedule {
    /// A schedule whose first retry waits up to `base`, each next one up to
    /// twice as long, never more than `max_delay`, for at most `max_attempts`
    /// attempts in all (the first included).
    pub const fn new(base: Duration, max_delay: Duration, max_attempts: u32) -> Self {
        RetrySchedule { base, max_delay, max_attempts }
    }

    /// The first retry's ceiling.
    pub const fn base(&self) -> Duration {
        self.base
    }

    /// The cap on any wait.
    pub const fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// Attempts in all, the first included.
    pub const fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The ceiling of the wait after `failed_attempts` attempts failed
    /// (1 after the first delivery failed), or `None` when no attempt is
    /// left (or `failed_attempts` is 0: nothing failed yet).
    pub fn ceiling(&self, failed_attempts: u32) -> Option<Duration> {
        if failed_attempts == 0 || failed_attempts >= self.max_attempts {
            return None;
        }
        let factor = 1u32.checked_shl(failed_attempts - 1).unwrap_or(u32::MAX);
        Some(self.base.saturating_mul(factor).min(self.max_delay))
    }

    /// The wait after `failed_attempts` failed attempts: uniform between zero
    /// and the [`ceiling`](Self::ceiling), from the operating system's random
    /// generator (should it fail, the ceiling itself). `None`: give up.
    pub fn next_delay(&self, failed_attempts: u32) -> Option<Duration> {
        match getrandom::u64() {
            Ok(random) => self.delay_for(failed_attempts, random),
            Err(_) => self.ceiling(failed_attempts),
        }
    }

    /// [`next_delay`](Self::next_delay), but at least the receiver's
    /// `Retry-After` (itself capped at the schedule's `max_delay`).
    pub fn next_delay_after(&self, failed_attempts: u32, retry_after: Option<Duration>) -> Option<Duration> {
        let delay = self.next_delay(failed_attempts)?;
        Some(retry_after.map_or(delay, |hint| delay.max(hint.min(self.max_delay))))
    }

    /// The wait for a given 64-bit random draw: `ceiling × random / u64::MAX`
    /// (deterministic, for tests and for callers with their own generator).
    pub fn delay_for(&self, failed_attempts: u32, random: u64) -> Option<Duration> {
        let ceiling = self.ceiling(failed_attempts)?;
        let (ceiling, random, max) = (ceiling.as_nanos(), u128::from(random), u128::from(u64::MAX));
        // Exact below 2^64 ns (584 years); past that, the division comes first.
        let nanos = ceiling.checked_mul(random).map_or(ceiling / max * random, |product| product / max);
        let secs = u64::try_from(nanos / 1_000_000_000).unwrap_or(u64::MAX);
        // The remainder of a division by 10^9 fits a u32.
        let sub = u32::try_from(nanos % 1_000_000_000).unwrap_or(0);
        Some(Duration::new(secs, sub))
    }

    /// The ceilings of every retry, in order (the table above, for the
    /// defaults).
    pub fn ceilings(&self) -> impl Iterator<Item = Duration> + '_ {
        (1..self.max_attempts).map_while(|n| self.ceiling(n))
    }
}

impl Default for RetrySchedule {
    /// Base 5 s ([`DEFAULT_RETRY_BASE`]), cap 12 h
    /// ([`DEFAULT_RETRY_MAX_DELAY`]), 18 attempts ([`DEFAULT_MAX_ATTEMPTS`]).
    fn default() -> Self {
        RetrySchedule::new(DEFAULT_RETRY_BASE, DEFAULT_RETRY_MAX_DELAY, DEFAULT_MAX_ATTEMPTS)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::RetrySchedule;

    #[test]
    fn the_default_schedule_is_the_documented_table() {
        let secs: Vec<u64> = RetrySchedule::default().ceilings().map(|d| d.as_secs()).collect();
        assert_eq!(
            secs,
            [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5120, 10240, 20480, 40960, 43200, 43200, 43200]
        );
        assert_eq!(secs.iter().sum::<u64>(), 58 * 3600 + 45 * 60 + 15);
    }

    #[test]
    fn jitter_spans_zero_to_the_ceiling() {
        let s = RetrySchedule::default();
        assert_eq!(s.delay_for(3, 0), Some(Duration::ZERO));
        assert_eq!(s.delay_for(3, u64::MAX), Some(Duration::from_secs(20)));
        assert_eq!(s.delay_for(3, u64::MAX / 2), Some(Duration::from_secs(10) - Duration::from_nanos(1)));
        for _ in 0..1000 {
            assert!(s.next_delay(16).unwrap() <= Duration::from_secs(43200));
        }
    }

    #[test]
    fn the_schedule_ends_and_never_overflows() {
        let s = RetrySchedule::new(Duration::from_secs(u64::MAX / 4), Duration::MAX, 100);
        assert_eq!(s.ceiling(99), Some(Duration::MAX));
        assert_eq!(s.ceiling(100), None);
        assert_eq!(s.ceiling(0), None);
        assert!(s.delay_for(99, u64::MAX).is_some());
        assert_eq!(RetrySchedule::default().next_delay(18), None);
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let s = RetrySchedule::default();
        assert!(s.next_delay_after(1, Some(Duration::from_secs(60))).unwrap() >= Duration::from_secs(60));
        assert_eq!(s.next_delay_after(1, Some(Duration::from_secs(10 * 86400))), Some(Duration::from_secs(43200)));
    }
}
