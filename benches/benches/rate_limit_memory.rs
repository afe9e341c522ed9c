//! Heap bytes per tracked key, and memory under a flood of distinct keys:
//! `MemoryRateLimiter` against governor's keyed limiter, measured with a
//! counting global allocator (live bytes = allocated - freed).
//!
//! governor's keyed store never forgets a key unless `retain_recent()` is
//! called; apishield's sweeps idle keys as it goes and caps the number of
//! keys (`MemoryOptions::max_keys`, 2^20 by default).
//!
//! ```text
//! cargo bench -p apishield-benches --bench rate_limit_memory
//! ```

// A benchmark's unwrap is its assertion: it must not go on measuring a failing path.
#![allow(clippy::unwrap_used)]

use std::alloc::System;
use std::num::NonZeroU32;
use std::time::Duration;

use apishield::rate_limit::{Algorithm, MemoryOptions, MemoryRateLimiter, RateLimitKey, RateLimitPolicy, Tier, Window};
use apishield::time::ManualClock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Live heap bytes: allocated - freed (reallocations are counted in both).
fn live() -> isize {
    let s = GLOBAL.stats();
    s.bytes_allocated as isize - s.bytes_deallocated as isize
}

const T0: u64 = 1_699_999_200_000;

fn names(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("principal:user-{i}")).collect()
}

fn keys(n: usize) -> Vec<RateLimitKey> {
    (0..n).map(|i| RateLimitKey::principal(format!("user-{i}"))).collect()
}

/// Bytes per key of a limiter holding `n` keys (the key strings
/// themselves, built beforehand, are not counted; a key the limiter copies
/// is).
fn per_key_apishield(label: &str, policy: RateLimitPolicy, n: usize) {
    let keys = keys(n);
    let before = live();
    let limiter = MemoryRateLimiter::with_options(
        policy,
        ManualClock::new(T0),
        MemoryOptions::default().max_keys(usize::MAX / 2),
    );
    let empty = live() - before;
    for k in &keys {
        limiter.check_now(k, 1).unwrap();
    }
    let bytes = live() - before;
    println!(
        "{label:<44} {n:>9} keys {:>8.1} bytes/key (empty limiter {empty} bytes)",
        (bytes - empty) as f64 / n as f64
    );
}

fn per_key_governor(n: usize) {
    let names = names(n);
    let before = live();
    let limiter: DefaultKeyedRateLimiter<String> = RateLimiter::keyed(Quota::per_minute(NonZeroU32::new(60).unwrap()));
    let empty = live() - before;
    for k in &names {
        let _ = limiter.check_key(k);
    }
    let bytes = live() - before;
    println!(
        "{:<44} {n:>9} keys {:>8.1} bytes/key (empty limiter {empty} bytes)",
        "governor keyed, String keys (DashMap)",
        (bytes - empty) as f64 / n as f64
    );
}

fn per_key_governor_u64(n: usize) {
    let before = live();
    let limiter: DefaultKeyedRateLimiter<u64> = RateLimiter::keyed(Quota::per_minute(NonZeroU32::new(60).unwrap()));
    let empty = live() - before;
    for k in 0..n as u64 {
        let _ = limiter.check_key(&k);
    }
    let bytes = live() - before;
    println!(
        "{:<44} {n:>9} keys {:>8.1} bytes/key (empty limiter {empty} bytes)",
        "governor keyed, u64 keys (DashMap)",
        (bytes - empty) as f64 / n as f64
    );
}

/// A flood of `n` distinct keys, one request each, then the same after the
/// keys have gone idle.
fn flood(n: usize) {
    println!("\nflood of {n} distinct keys (one request each), live heap of the limiter:");
    let keys = keys(n);
    let names = names(n);

    let clock = ManualClock::new(T0);
    let before = live();
    let limiter =
        MemoryRateLimiter::with_clock(RateLimitPolicy::tier(Tier::Free, Algorithm::TokenBucket), clock.clone());
    for k in &keys {
        limiter.check_now(k, 1).unwrap();
    }
    let during = live() - before;
    println!(
        "  apishield (free tier, token bucket, default max_keys {}): {:>7.1} MiB, {} keys tracked, {} dropped while active",
        MemoryOptions::default().get_max_keys(),
        during as f64 / 1048576.0,
        limiter.tracked_keys(),
        limiter.evicted_active_keys()
    );
    clock.advance(Duration::from_secs(3600));
    limiter.sweep();
    println!(
        "  apishield, keys idle, after sweep():                   {:>7.1} MiB, {} keys tracked",
        (live() - before) as f64 / 1048576.0,
        limiter.tracked_keys()
    );
    drop(limiter);

    let before = live();
    let limiter: DefaultKeyedRateLimiter<String> = RateLimiter::keyed(Quota::per_second(NonZeroU32::new(60).unwrap()));
    for k in &names {
        let _ = limiter.check_key(k);
    }
    println!(
        "  governor keyed (String keys):                          {:>7.1} MiB, {} keys tracked",
        (live() - before) as f64 / 1048576.0,
        limiter.len()
    );
    std::thread::sleep(Duration::from_millis(1100));
    limiter.retain_recent();
    limiter.shrink_to_fit();
    println!(
        "  governor keyed, keys idle, after retain_recent():      {:>7.1} MiB, {} keys tracked",
        (live() - before) as f64 / 1048576.0,
        limiter.len()
    );
}

fn main() {
    // `cargo bench` passes --bench; anything else (`cargo test --benches`)
    // gets a quick smoke run.
    let full = std::env::args().any(|a| a == "--bench");
    let n = std::env::var("KEYS").ok().and_then(|v| v.parse().ok()).unwrap_or(if full { 1_000_000 } else { 10_000 });
    println!("heap bytes per tracked key, {n} distinct keys (`principal:user-N`):");
    let tb1 = RateLimitPolicy::new(Algorithm::TokenBucket, [Window::per_minute(60)]).unwrap();
    per_key_apishield("apishield, token bucket, 1 window", tb1, n);
    per_key_apishield("apishield, sliding window, 2 windows (free)", RateLimitPolicy::free(), n);
    let four = RateLimitPolicy::new(
        Algorithm::SlidingWindow,
        [Window::per_second(5), Window::per_minute(60), Window::per_hour(1000), Window::per_day(5000)],
    )
    .unwrap();
    per_key_apishield("apishield, sliding window, 4 windows", four, n);
    per_key_apishield(
        "apishield, sliding log, 2 windows, 1 request",
        RateLimitPolicy::tier(Tier::Free, Algorithm::SlidingLog),
        n,
    );
    per_key_governor(n);
    per_key_governor_u64(n);
    flood(if full { n.max(2_000_000) } else { n });
}
