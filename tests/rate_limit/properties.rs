//! Property tests of the in-memory limiter on a manual clock, for every
//! algorithm and random policies of one to three windows:
//!
//! * its decisions and remaining counts equal those of a reference model
//!   written differently (from the full history, or, for the token bucket,
//!   as the (tokens, last) pair the Redis script keeps);
//! * no sequence of requests ever gets more through than the algorithm's
//!   bound over any window: the exact log never more than `limit` in any
//!   `period`; the bucket never more than `burst + rate * span`; the sliding
//!   counter never more than `limit` in an aligned window (and under twice
//!   that in any);
//! * `Retry-After` and the reset are exact: one millisecond earlier nothing
//!   changes, at that instant the request fits (or more quota is there).

use std::time::Duration;

use apishield::rate_limit::{Algorithm, MemoryRateLimiter, RateLimitKey, RateLimitPolicy, Window};
use apishield::time::ManualClock;
use proptest::prelude::*;

const T0: u64 = 1_699_999_200_000;

#[derive(Debug, Clone, Copy)]
struct W {
    limit: u64,
    period: u64,
    capacity: u64,
}

fn windows_strategy(token_bucket: bool) -> impl Strategy<Value = Vec<W>> {
    let one = (1u64..=8, prop_oneof![1u64..=20, 100u64..=2000, Just(1000u64), Just(60_000u64)], 0u64..=2).prop_map(
        move |(limit, period, extra)| W {
            limit,
            period,
            capacity: if token_bucket { limit + extra * limit / 2 } else { limit },
        },
    );
    prop::collection::vec(one, 1..=3)
}

fn build(algorithm: Algorithm, ws: &[W]) -> RateLimitPolicy {
    let windows = ws.iter().enumerate().map(|(i, w)| {
        let window = Window::new(format!("w{i}"), w.limit as u32, Duration::from_millis(w.period));
        if algorithm == Algorithm::TokenBucket { window.burst(w.capacity as u32) } else { window }
    });
    RateLimitPolicy::new(algorithm, windows).unwrap()
}

/// One step: let time pass, then a request of some cost by one of two keys.
#[derive(Debug, Clone, Copy)]
struct Op {
    advance: u64,
    cost: u64,
    key: usize,
}

fn ops_strategy() -> impl Strategy<Value = Vec<Op>> {
    let op = (prop_oneof![3 => Just(0u64), 3 => 0u64..=50, 2 => 0u64..=3000, 1 => 0u64..=120_000], 0u64..=3, 0usize..2)
        .prop_map(|(advance, cost, key)| Op { advance, cost, key });
    prop::collection::vec(op, 1..200)
}

fn algorithm_strategy() -> impl Strategy<Value = Algorithm> {
    prop_oneof![Just(Algorithm::TokenBucket), Just(Algorithm::SlidingWindow), Just(Algorithm::SlidingLog)]
}

/// The reference: what each algorithm means, computed the long way.
#[derive(Debug, Default, Clone)]
struct Model {
    /// Admitted (time, cost), for the sliding algorithms.
    history: Vec<(u64, u64)>,
    /// Token bucket per window: (tokens scaled by the period, as of `last`).
    buckets: Vec<(u64, u64)>,
}

impl Model {
    fn new(ws: &[W], now: u64) -> Model {
        Model { history: Vec::new(), buckets: ws.iter().map(|w| (w.capacity * w.period, now)).collect() }
    }

    /// Decides like the limiter; returns (allowed, remaining per window).
    fn decide(&mut self, algorithm: Algorithm, ws: &[W], now: u64, cost: u64) -> (bool, Vec<u64>) {
        match algorithm {
            Algorithm::TokenBucket => {
                for (w, (tokens, last)) in ws.iter().zip(self.buckets.iter_mut()) {
                    let full = w.capacity * w.period;
                    *tokens = (*tokens + (now - *last) * w.limit).min(full);
                    *last = now;
                }
                let allowed = ws.iter().zip(&self.buckets).all(|(w, (tokens, _))| *tokens >= cost * w.period);
                if allowed {
                    for (w, (tokens, _)) in ws.iter().zip(self.buckets.iter_mut()) {
                        *tokens -= cost * w.period;
                    }
                }
                let remaining = ws.iter().zip(&self.buckets).map(|(w, (tokens, _))| tokens / w.period).collect();
                (allowed, remaining)
            }
            Algorithm::SlidingLog => {
                let used = |history: &[(u64, u64)], w: &W| -> u64 {
                    history.iter().filter(|(t, _)| t + w.period > now).map(|(_, c)| c).sum()
                };
                let allowed = ws.iter().all(|w| used(&self.history, w) + cost <= w.capacity);
                if allowed && cost > 0 {
                    self.history.push((now, cost));
                }
                (allowed, ws.iter().map(|w| w.capacity - used(&self.history, w)).collect())
            }
            _ => {
                let est = |history: &[(u64, u64)], w: &W, extra: u64| -> u64 {
                    let idx = now / w.period;
                    let in_window =
                        |i: u64| -> u64 { history.iter().filter(|(t, _)| t / w.period == i).map(|(_, c)| c).sum() };
                    let prev = if idx == 0 { 0 } else { in_window(idx - 1) };
                    prev * (w.period - now % w.period) + (in_window(idx) + extra) * w.period
                };
                let allowed = ws.iter().all(|w| est(&self.history, w, cost) <= w.capacity * w.period);
                if allowed && cost > 0 {
                    self.history.push((now, cost));
                }
                let remaining = ws
                    .iter()
                    .map(|w| (w.capacity * w.period).saturating_sub(est(&self.history, w, 0)) / w.period)
                    .collect();
                (allowed, remaining)
            }
        }
    }
}

/// Runs `ops` through a limiter and the model; returns every key's admitted
/// history.
fn run(algorithm: Algorithm, ws: &[W], ops: &[Op]) -> Result<Vec<Vec<(u64, u64)>>, TestCaseError> {
    let policy = build(algorithm, ws);
    let max_cost = u64::from(policy.max_cost());
    let clock = ManualClock::new(T0);
    let limiter = MemoryRateLimiter::with_clock(policy, clock.clone());
    let keys = [RateLimitKey::principal("a"), RateLimitKey::principal("b")];
    let mut models = [Model::new(ws, T0), Model::new(ws, T0)];
    let mut admitted = vec![Vec::new(), Vec::new()];
    let mut now = T0;
    for op in ops {
        now += op.advance;
        clock.set(now);
        let cost = op.cost.min(max_cost);
        let decision = limiter.check_now(&keys[op.key], cost as u32).unwrap();
        let (allowed, remaining) = models[op.key].decide(algorithm, ws, now, cost);
        prop_assert_eq!(decision.is_allowed(), allowed, "at +{} ms, cost {}", now - T0, cost);
        let got: Vec<u64> = decision.windows().iter().map(|w| u64::from(w.remaining().unwrap())).collect();
        prop_assert_eq!(got, remaining, "remaining at +{} ms", now - T0);
        if allowed && cost > 0 {
            admitted[op.key].push((now, cost));
        }
    }
    Ok(admitted)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn decisions_equal_the_reference_model(
        algorithm in algorithm_strategy(),
        ws in windows_strategy(false),
        bucket_ws in windows_strategy(true),
        ops in ops_strategy(),
    ) {
        let ws = if algorithm == Algorithm::TokenBucket { bucket_ws } else { ws };
        run(algorithm, &ws, &ops)?;
    }

    #[test]
    fn the_sliding_log_never_exceeds_the_limit_in_any_window(ws in windows_strategy(false), ops in ops_strategy()) {
        for history in run(Algorithm::SlidingLog, &ws, &ops)? {
            for w in &ws {
                // Every window (t - P, t] that could hold the most ends at an admission.
                for &(end, _) in &history {
                    let n: u64 = history.iter().filter(|(t, _)| *t <= end && t + w.period > end).map(|(_, c)| c).sum();
                    prop_assert!(n <= w.limit, "{} in a window of {} ms ending at +{}", n, w.period, end - T0);
                }
            }
        }
    }

    #[test]
    fn the_token_bucket_never_exceeds_burst_plus_rate(ws in windows_strategy(true), ops in ops_strategy()) {
        for history in run(Algorithm::TokenBucket, &ws, &ops)? {
            for w in &ws {
                for (i, &(start, _)) in history.iter().enumerate() {
                    let mut n = 0;
                    for &(end, c) in &history[i..] {
                        n += c;
                        // n <= capacity + limit * (end - start) / period, exactly.
                        prop_assert!(n * w.period <= w.capacity * w.period + w.limit * (end - start),
                            "{} in {} ms for {}/{} ms burst {}", n, end - start, w.limit, w.period, w.capacity);
                    }
                }
            }
        }
    }

    #[test]
    fn the_sliding_counter_never_exceeds_the_limit_in_an_aligned_window(
        ws in windows_strategy(false),
        ops in ops_strategy(),
    ) {
        for history in run(Algorithm::SlidingWindow, &ws, &ops)? {
            for w in &ws {
                for &(end, _) in &history {
                    let aligned: u64 = history.iter().filter(|(t, _)| t / w.period == end / w.period).map(|(_, c)| c).sum();
                    prop_assert!(aligned <= w.limit);
                    let sliding: u64 = history.iter().filter(|(t, _)| *t <= end && t + w.period > end).map(|(_, c)| c).sum();
                    prop_assert!(sliding < 2 * w.limit);
                }
            }
        }
    }

    #[test]
    fn retry_after_and_reset_are_exact(
        algorithm in algorithm_strategy(),
        ws in windows_strategy(false),
        bucket_ws in windows_strategy(true),
        ops in ops_strategy(),
        cost in 1u64..=3,
    ) {
        let ws = if algorithm == Algorithm::TokenBucket { bucket_ws } else { ws };
        let cost = cost.min(u64::from(build(algorithm, &ws).max_cost())) as u32;
        // Each probe replays the history on a new limiter: a probe moves
        // the key's time forward, and time never runs backwards for a key.
        let probe = |after: u64, probe_cost: u32| {
            let (limiter, clock, now) = replay(algorithm, &ws, &ops, cost);
            clock.set(now + after);
            limiter.check_now(&RateLimitKey::principal("a"), probe_cost).unwrap()
        };
        let peek = probe(0, 0);
        // The reset of every window: nothing new a millisecond before, more at it.
        for (i, w) in peek.windows().iter().enumerate() {
            let reset = w.reset_after().unwrap().as_millis() as u64;
            let before = w.remaining().unwrap();
            if reset == 0 {
                prop_assert_eq!(u64::from(before), ws[i].capacity);
                continue;
            }
            prop_assert_eq!(probe(reset - 1, 0).windows()[i].remaining(), Some(before));
            prop_assert!(probe(reset, 0).windows()[i].remaining().unwrap() > before);
        }
        let decision = probe(0, cost);
        if let Some(wait) = decision.retry_after() {
            let wait = wait.as_millis() as u64;
            prop_assert!(wait > 0);
            // Retry-After is never earlier than the RateLimit field's t.
            let t = decision.reset_after().unwrap().as_millis() as u64;
            prop_assert!(t <= wait, "t {} > retry {}", t, wait);
            prop_assert!(!probe(wait - 1, cost).is_allowed(), "allowed before Retry-After");
            prop_assert!(probe(wait, cost).is_allowed(), "refused at Retry-After");
        }
    }
}

/// A limiter that has seen `ops` (costs capped at `cost`) for key "a".
fn replay(algorithm: Algorithm, ws: &[W], ops: &[Op], cost: u32) -> (MemoryRateLimiter<ManualClock>, ManualClock, u64) {
    let clock = ManualClock::new(T0);
    let limiter = MemoryRateLimiter::with_clock(build(algorithm, ws), clock.clone());
    let key = RateLimitKey::principal("a");
    let mut now = T0;
    for op in ops {
        now += op.advance;
        clock.set(now);
        limiter.check_now(&key, (op.cost as u32).min(cost)).unwrap();
    }
    (limiter, clock, now)
}
