//! The three algorithms as integer arithmetic on one key's state.
//!
//! Everything is exact: no floats, no rounding that favours the client.
//! Quantities are "scaled" where a window's rate does not divide its period:
//! a token bucket counts in 1/P of a token (P = period in ms), so that a
//! refill of R tokens per P ms adds exactly R scaled units per ms; the
//! sliding counter weighs the previous window in the same units. With the
//! policy's ranges (R, C <= 10^6, P <= 31 days) every product is below
//! 2^53, the same bound the Redis script (`rate_limit.lua`, which mirrors
//! these functions) needs for its doubles.
//!
//! Every function here is given the whole policy and decides for all of its
//! windows at once: a request passes only if every window has room, and a
//! refused request changes no window.

use std::collections::VecDeque;

use super::policy::{Algorithm, MAX_WINDOWS, Spec};

/// What one window reports for one decision.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct WindowResult {
    /// Units still available after this decision.
    pub(crate) remaining: u64,
    /// Time until more units become available (0 when the window is full).
    pub(crate) reset_after_ms: u64,
    /// When this window had no room for the request: the time until it
    /// would have. 0 when it had room.
    pub(crate) retry_after_ms: u64,
}

pub(crate) type Results = [WindowResult; MAX_WINDOWS];

#[inline]
fn ceil_div(a: u64, b: u64) -> u64 {
    if b == 0 { u64::MAX } else { a.div_ceil(b) }
}

// ---------------------------------------------------------------------------
// Token bucket, as GCRA: the state is the "theoretical arrival time" (TAT),
// in scaled units (ms * R), at which the bucket will be full again. Tokens
// available now, scaled by P: C*P - (TAT - now*R), clamped to 0..=C*P. The
// same arithmetic as the script's (tokens, last) pair, in one integer.
// ---------------------------------------------------------------------------

/// Scaled tokens available at `now_ms` for a bucket whose TAT is `tat`.
#[inline]
pub(crate) fn tb_available(spec: &Spec, tat: u64, now_ms: u64) -> u64 {
    let full = spec.capacity * spec.period_ms;
    let now_s = now_ms.saturating_mul(spec.rate);
    full - tat.saturating_sub(now_s).min(full)
}

/// The TAT after taking `cost` tokens at `now_ms`.
#[inline]
pub(crate) fn tb_consume(spec: &Spec, tat: u64, now_ms: u64, cost: u32) -> u64 {
    let now_s = now_ms.saturating_mul(spec.rate);
    tat.max(now_s).saturating_add(u64::from(cost) * spec.period_ms)
}

/// The report of a bucket holding `available` scaled tokens after the
/// decision; `fits` says whether it had room for the request.
#[inline]
pub(crate) fn tb_result(spec: &Spec, available: u64, cost: u32, fits: bool) -> WindowResult {
    let p = spec.period_ms;
    let full = spec.capacity * p;
    let remaining = available / p;
    let reset_after_ms = if available >= full { 0 } else { ceil_div((remaining + 1) * p - available, spec.rate) };
    let retry_after_ms = if fits { 0 } else { ceil_div(u64::from(cost) * p - available, spec.rate) };
    WindowResult { remaining, reset_after_ms, retry_after_ms }
}

// ---------------------------------------------------------------------------
// Weighted sliding counter: fixed windows aligned on multiples of P since
// the epoch; the estimate is prev * (P - elapsed) / P + cur, kept scaled by P.
// ---------------------------------------------------------------------------

/// `(prev, cur)` of a counter last written at `last_ms`, moved to `now_ms`.
#[inline]
pub(crate) fn sw_roll(spec: &Spec, prev: u64, cur: u64, last_ms: u64, now_ms: u64) -> (u64, u64) {
    let old = last_ms / spec.period_ms;
    let new = now_ms / spec.period_ms;
    if new <= old {
        (prev, cur)
    } else if new == old + 1 {
        (cur, 0)
    } else {
        (0, 0)
    }
}

/// The estimate at `now_ms`, scaled by P.
#[inline]
pub(crate) fn sw_estimate(spec: &Spec, prev: u64, cur: u64, now_ms: u64) -> u64 {
    let p = spec.period_ms;
    let elapsed = now_ms % p;
    prev * (p - elapsed) + cur * p
}

/// Time from `now_ms` until the window has room for `k` units.
pub(crate) fn sw_time_until(spec: &Spec, prev: u64, cur: u64, now_ms: u64, k: u64) -> u64 {
    let p = spec.period_ms;
    if k > spec.capacity {
        return u64::MAX;
    }
    let budget = (spec.capacity - k) * p;
    let elapsed = now_ms % p;
    let left = p - elapsed;
    // Within the current window, the estimate falls by `prev` per ms.
    if cur * p <= budget {
        let est = prev * left + cur * p;
        if est <= budget {
            return 0;
        }
        let d = ceil_div(est - budget, prev);
        if d < left {
            return d;
        }
    }
    // From the next window on, `cur` becomes the previous count and falls by
    // `cur` per ms.
    let need = cur * p;
    let d = if need <= budget { 0 } else { ceil_div(need - budget, cur) };
    left + d
}

#[inline]
fn sw_result(spec: &Spec, prev: u64, cur: u64, now_ms: u64, cost: u32, fits: bool) -> WindowResult {
    let p = spec.period_ms;
    let est = sw_estimate(spec, prev, cur, now_ms);
    let remaining = (spec.capacity * p).saturating_sub(est) / p;
    let reset_after_ms = if est == 0 { 0 } else { sw_time_until(spec, prev, cur, now_ms, remaining + 1) };
    let retry_after_ms = if fits { 0 } else { sw_time_until(spec, prev, cur, now_ms, u64::from(cost)) };
    WindowResult { remaining, reset_after_ms, retry_after_ms }
}

#[inline]
const fn unpack(cell: u64) -> (u64, u64) {
    (cell >> 32, cell & 0xFFFF_FFFF)
}

#[inline]
const fn pack(prev: u64, cur: u64) -> u64 {
    (prev << 32) | (cur & 0xFFFF_FFFF)
}

/// One key's state for the token bucket and the sliding counter: one `u64`
/// per window (the TAT, or the two counts) and the time of the last
/// decision, from which the counter's window is derived and by which idle
/// keys are found. `N` is the policy's number of windows, so a key costs
/// `8 + 8 * N` bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Cells<const N: usize> {
    last_ms: u64,
    cells: [u64; N],
}

impl<const N: usize> Cells<N> {
    pub(crate) const fn new(now_ms: u64) -> Self {
        Cells { last_ms: now_ms, cells: [0; N] }
    }
}

/// One key's state for the sliding log: per window, the admitted units with
/// their times, oldest first (same-millisecond admissions coalesced), and
/// their sum.
#[derive(Debug, Clone)]
pub(crate) struct Logs {
    last_ms: u64,
    logs: Box<[Log]>,
}

#[derive(Debug, Clone, Default)]
struct Log {
    entries: VecDeque<(u64, u32)>,
    total: u64,
}

impl Log {
    fn prune(&mut self, spec: &Spec, now_ms: u64) {
        // An entry at `t` counts while now < t + P.
        while let Some(&(t, n)) = self.entries.front() {
            if t.saturating_add(spec.period_ms) > now_ms {
                break;
            }
            self.total -= u64::from(n);
            self.entries.pop_front();
        }
    }

    fn time_until(&self, spec: &Spec, now_ms: u64, k: u64) -> u64 {
        let excess = (self.total + k).saturating_sub(spec.capacity);
        if excess == 0 {
            return 0;
        }
        let mut freed = 0;
        for &(t, n) in &self.entries {
            freed += u64::from(n);
            if freed >= excess {
                return t.saturating_add(spec.period_ms).saturating_sub(now_ms);
            }
        }
        u64::MAX
    }

    fn result(&self, spec: &Spec, now_ms: u64, cost: u32, fits: bool) -> WindowResult {
        let remaining = spec.capacity.saturating_sub(self.total);
        let reset_after_ms = if self.total == 0 { 0 } else { self.time_until(spec, now_ms, remaining + 1) };
        let retry_after_ms = if fits { 0 } else { self.time_until(spec, now_ms, u64::from(cost)) };
        WindowResult { remaining, reset_after_ms, retry_after_ms }
    }
}

impl Logs {
    pub(crate) fn new(now_ms: u64, windows: usize) -> Self {
        Logs { last_ms: now_ms, logs: (0..windows).map(|_| Log::default()).collect() }
    }
}

/// The state of one key under one algorithm, as the memory limiter stores
/// it.
pub(crate) trait KeyState: Send + 'static {
    /// A key never seen, at `now_ms`.
    fn fresh(specs: &[Spec], now_ms: u64) -> Self;
    /// Decides a request of `cost` at `now_ms` (never earlier than the last
    /// decision: the caller clamps), updates the state only if every window
    /// allows it, and reports every window in `out`. Returns whether it was
    /// allowed.
    fn decide(&mut self, algorithm: Algorithm, specs: &[Spec], now_ms: u64, cost: u32, out: &mut Results) -> bool;
    /// Whether forgetting this key would change no future decision.
    fn is_idle(&self, algorithm: Algorithm, specs: &[Spec], now_ms: u64) -> bool;
    /// Time of the last decision.
    fn last_ms(&self) -> u64;
}

impl<const N: usize> KeyState for Cells<N> {
    fn fresh(_specs: &[Spec], now_ms: u64) -> Self {
        Cells::new(now_ms)
    }

    #[inline]
    fn decide(&mut self, algorithm: Algorithm, specs: &[Spec], now_ms: u64, cost: u32, out: &mut Results) -> bool {
        let now = now_ms.max(self.last_ms);
        let specs = &specs[..N.min(specs.len())];
        match algorithm {
            Algorithm::TokenBucket => {
                let mut avail = [0u64; N];
                let mut fits = [false; N];
                let mut allowed = true;
                for (i, spec) in specs.iter().enumerate() {
                    avail[i] = tb_available(spec, self.cells[i], now);
                    fits[i] = avail[i] >= u64::from(cost) * spec.period_ms;
                    allowed &= fits[i];
                }
                if allowed && cost > 0 {
                    for (i, spec) in specs.iter().enumerate() {
                        self.cells[i] = tb_consume(spec, self.cells[i], now, cost);
                        avail[i] -= u64::from(cost) * spec.period_ms;
                    }
                }
                for (i, spec) in specs.iter().enumerate() {
                    out[i] = tb_result(spec, avail[i], cost, fits[i]);
                }
                self.last_ms = now;
                allowed
            }
            // The sliding log keeps `Logs`; were it ever given `Cells`, it
            // would be counted as a sliding window rather than panic.
            Algorithm::SlidingWindow | Algorithm::SlidingLog => {
                let mut counts = [(0u64, 0u64); N];
                let mut fits = [false; N];
                let mut allowed = true;
                for (i, spec) in specs.iter().enumerate() {
                    let (prev, cur) = unpack(self.cells[i]);
                    let (prev, cur) = sw_roll(spec, prev, cur, self.last_ms, now);
                    let est = sw_estimate(spec, prev, cur, now);
                    fits[i] = est + u64::from(cost) * spec.period_ms <= spec.capacity * spec.period_ms;
                    allowed &= fits[i];
                    counts[i] = (prev, cur);
                }
                for (i, spec) in specs.iter().enumerate() {
                    let (prev, mut cur) = counts[i];
                    if allowed {
                        cur += u64::from(cost);
                    }
                    // Writing the rolled counts back is no consumption: the
                    // state means the same at every later instant.
                    self.cells[i] = pack(prev, cur);
                    out[i] = sw_result(spec, prev, cur, now, cost, fits[i]);
                }
                self.last_ms = now;
                allowed
            }
        }
    }

    fn is_idle(&self, algorithm: Algorithm, specs: &[Spec], now_ms: u64) -> bool {
        let now = now_ms.max(self.last_ms);
        specs.iter().zip(self.cells.iter()).all(|(spec, &cell)| match algorithm {
            Algorithm::TokenBucket => cell <= now.saturating_mul(spec.rate),
            Algorithm::SlidingWindow | Algorithm::SlidingLog => {
                let (prev, cur) = unpack(cell);
                sw_roll(spec, prev, cur, self.last_ms, now) == (0, 0)
            }
        })
    }

    fn last_ms(&self) -> u64 {
        self.last_ms
    }
}

impl KeyState for Logs {
    fn fresh(specs: &[Spec], now_ms: u64) -> Self {
        Logs::new(now_ms, specs.len())
    }

    fn decide(&mut self, _algorithm: Algorithm, specs: &[Spec], now_ms: u64, cost: u32, out: &mut Results) -> bool {
        let now = now_ms.max(self.last_ms);
        let mut fits = [false; MAX_WINDOWS];
        let mut allowed = true;
        for (i, (spec, log)) in specs.iter().zip(self.logs.iter_mut()).enumerate() {
            log.prune(spec, now);
            fits[i] = log.total + u64::from(cost) <= spec.capacity;
            allowed &= fits[i];
        }
        for (i, (spec, log)) in specs.iter().zip(self.logs.iter_mut()).enumerate() {
            if allowed && cost > 0 {
                match log.entries.back_mut() {
                    Some((t, n)) if *t == now => *n += cost,
                    _ => log.entries.push_back((now, cost)),
                }
                log.total += u64::from(cost);
            }
            out[i] = log.result(spec, now, cost, fits[i]);
        }
        self.last_ms = now;
        allowed
    }

    fn is_idle(&self, _algorithm: Algorithm, specs: &[Spec], now_ms: u64) -> bool {
        let now = now_ms.max(self.last_ms);
        specs
            .iter()
            .zip(self.logs.iter())
            .all(|(spec, log)| log.entries.back().is_none_or(|&(t, _)| t.saturating_add(spec.period_ms) <= now))
    }

    fn last_ms(&self) -> u64 {
        self.last_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate_limit::policy::{RateLimitPolicy, Window};
    use std::time::Duration;

    const T0: u64 = 1_699_999_200_000; // a multiple of an hour

    fn spec(algorithm: Algorithm, window: Window) -> Spec {
        RateLimitPolicy::new(algorithm, [window]).unwrap().specs()[0]
    }

    #[test]
    fn token_bucket_refills_continuously() {
        // 60 per minute: one token per second.
        let s = spec(Algorithm::TokenBucket, Window::per_minute(60));
        let mut st = Cells::<1>::new(T0);
        let mut out = Results::default();
        for i in 0..60 {
            assert!(st.decide(Algorithm::TokenBucket, &[s], T0, 1, &mut out), "request {i}");
        }
        assert_eq!(out[0], WindowResult { remaining: 0, reset_after_ms: 1000, retry_after_ms: 0 });
        assert!(!st.decide(Algorithm::TokenBucket, &[s], T0 + 999, 1, &mut out));
        assert_eq!(out[0].retry_after_ms, 1);
        assert!(st.decide(Algorithm::TokenBucket, &[s], T0 + 1000, 1, &mut out));
        // Cost 5 needs five seconds' worth.
        assert!(!st.decide(Algorithm::TokenBucket, &[s], T0 + 1000, 5, &mut out));
        assert_eq!(out[0].retry_after_ms, 5000);
        assert!(!st.is_idle(Algorithm::TokenBucket, &[s], T0 + 60_999));
        assert!(st.is_idle(Algorithm::TokenBucket, &[s], T0 + 61_000));
    }

    #[test]
    fn token_bucket_with_a_fractional_rate_is_exact() {
        // 7 per minute: a token every 8571.43 ms.
        let s = spec(Algorithm::TokenBucket, Window::per_minute(7));
        let mut st = Cells::<1>::new(T0);
        let mut out = Results::default();
        for _ in 0..7 {
            assert!(st.decide(Algorithm::TokenBucket, &[s], T0, 1, &mut out));
        }
        assert!(!st.decide(Algorithm::TokenBucket, &[s], T0, 1, &mut out));
        assert_eq!(out[0].retry_after_ms, 8572); // ceil(60000 / 7)
        assert!(!st.decide(Algorithm::TokenBucket, &[s], T0 + 8571, 1, &mut out));
        assert!(st.decide(Algorithm::TokenBucket, &[s], T0 + 8572, 1, &mut out));
    }

    #[test]
    fn sliding_counter_weighs_the_previous_window() {
        let s = spec(Algorithm::SlidingWindow, Window::per_minute(10));
        let mut st = Cells::<1>::new(T0);
        let mut out = Results::default();
        for _ in 0..10 {
            assert!(st.decide(Algorithm::SlidingWindow, &[s], T0 + 30_000, 1, &mut out));
        }
        assert!(!st.decide(Algorithm::SlidingWindow, &[s], T0 + 59_999, 1, &mut out));
        // At the next window's start the previous 10 still weigh 10.
        assert!(!st.decide(Algorithm::SlidingWindow, &[s], T0 + 60_000, 1, &mut out));
        // 10 * (60000 - e) / 60000 <= 9  <=>  e >= 6000.
        assert_eq!(out[0].retry_after_ms, 6000);
        assert!(!st.decide(Algorithm::SlidingWindow, &[s], T0 + 65_999, 1, &mut out));
        assert!(st.decide(Algorithm::SlidingWindow, &[s], T0 + 66_000, 1, &mut out));
        assert_eq!(out[0].remaining, 0);
        // Two windows later nothing is left.
        assert!(st.is_idle(Algorithm::SlidingWindow, &[s], T0 + 180_000));
        assert!(!st.is_idle(Algorithm::SlidingWindow, &[s], T0 + 179_999));
    }

    #[test]
    fn sliding_counter_time_until_crosses_into_the_next_window() {
        let s = spec(Algorithm::SlidingWindow, Window::new("w", 10, Duration::from_millis(1000)));
        // prev 0, cur 10 at elapsed 500: nothing frees until the window
        // ends, then cur falls by 10 per ms-of-P: 1 unit after 100 ms.
        assert_eq!(sw_time_until(&s, 0, 10, T0 + 500, 1), 500 + 100);
        assert_eq!(sw_time_until(&s, 0, 10, T0 + 500, 10), 500 + 1000);
        assert_eq!(sw_time_until(&s, 0, 3, T0 + 500, 7), 0);
    }

    #[test]
    fn a_sliding_counter_filled_as_its_window_opens_asks_for_more_than_a_period() {
        // A day of 6, all spent in the first second of the aligned day: the
        // day must end, then a sixth of the next must pass.
        let day = spec(Algorithm::SlidingWindow, Window::per_day(6));
        let day_start = T0 - T0 % 86_400_000;
        let mut cells = Cells::<1>::new(day_start);
        let mut out = Results::default();
        for _ in 0..6 {
            assert!(cells.decide(Algorithm::SlidingWindow, &[day], day_start + 1000, 1, &mut out));
        }
        assert!(!cells.decide(Algorithm::SlidingWindow, &[day], day_start + 1000, 1, &mut out));
        assert_eq!(out[0].retry_after_ms, 86_400_000 - 1000 + 14_400_000);
        // It is exact: refused a millisecond before, allowed at that time.
        let back = day_start + 1000 + out[0].retry_after_ms;
        assert!(!cells.decide(Algorithm::SlidingWindow, &[day], back - 1, 1, &mut out));
        assert!(cells.decide(Algorithm::SlidingWindow, &[day], back, 1, &mut out));
    }

    #[test]
    fn sliding_log_is_exact() {
        let s = spec(Algorithm::SlidingLog, Window::per_minute(3));
        let mut st = Logs::new(T0, 1);
        let mut out = Results::default();
        assert!(st.decide(Algorithm::SlidingLog, &[s], T0, 1, &mut out));
        assert!(st.decide(Algorithm::SlidingLog, &[s], T0 + 10_000, 2, &mut out));
        assert_eq!(out[0], WindowResult { remaining: 0, reset_after_ms: 50_000, retry_after_ms: 0 });
        assert!(!st.decide(Algorithm::SlidingLog, &[s], T0 + 59_999, 1, &mut out));
        assert_eq!(out[0].retry_after_ms, 1);
        assert!(!st.decide(Algorithm::SlidingLog, &[s], T0 + 60_000, 3, &mut out));
        assert_eq!(out[0].retry_after_ms, 10_000);
        assert!(st.decide(Algorithm::SlidingLog, &[s], T0 + 60_000, 1, &mut out));
        assert!(st.is_idle(Algorithm::SlidingLog, &[s], T0 + 120_000));
    }

    #[test]
    fn a_refusal_in_one_window_consumes_nothing_in_the_others() {
        for algorithm in [Algorithm::TokenBucket, Algorithm::SlidingWindow, Algorithm::SlidingLog] {
            let policy =
                RateLimitPolicy::new(algorithm, [Window::per_second(5), Window::per_minute(100), Window::per_hour(7)])
                    .unwrap();
            let specs = policy.specs();
            let mut cells = Cells::<3>::new(T0);
            let mut logs = Logs::new(T0, 3);
            let mut out = Results::default();
            let mut decide = |cost, out: &mut Results| match algorithm {
                Algorithm::SlidingLog => logs.decide(algorithm, specs, T0, cost, out),
                _ => cells.decide(algorithm, specs, T0, cost, out),
            };
            assert!(decide(4, &mut out));
            let before = out;
            // 2 more fit the hour (7) but not the second (5): refused.
            assert!(!decide(2, &mut out), "{algorithm:?}");
            assert_eq!([out[0].remaining, out[1].remaining, out[2].remaining], [1, 96, 3], "{algorithm:?}");
            assert_eq!(before[1].remaining, out[1].remaining);
            assert_eq!(before[2].remaining, out[2].remaining);
            assert!(decide(1, &mut out));
        }
    }
}
