//! One rate-limit check: `MemoryRateLimiter` against the `governor` crate,
//! in the same run.
//!
//! * `single_key`: one hot key. governor's direct limiter (no key at all:
//!   one atomic GCRA cell), governor's keyed limiter (a `DashMap`) with one
//!   key, and apishield with one token-bucket window (the algorithm
//!   governor implements) and with the free tier's two sliding windows.
//! * `distinct_100k`: 100,000 keys visited in turn (each already tracked),
//!   governor keyed against apishield, keys rendered the same way
//!   (`principal:user-N`, a `String` for governor).
//! * `two_threads`: both cores checking at once, on distinct keys and on one
//!   shared key (time per check, wall clock / total checks).
//!
//! Quotas are large so that every check takes the "allowed" path in both.
//!
//! ```text
//! cargo bench -p apishield-benches --bench rate_limit
//! ```

// A benchmark's unwrap is its assertion: it must not go on measuring a failing path.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::num::NonZeroU32;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use apishield::rate_limit::{Algorithm, MAX_QUOTA, MemoryRateLimiter, RateLimitKey, RateLimitPolicy, Window};
use criterion::{Criterion, criterion_group, criterion_main};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

const KEYS: usize = 100_000;

fn governor_quota() -> Quota {
    Quota::per_second(NonZeroU32::MAX)
}

fn one_bucket() -> MemoryRateLimiter {
    // 10^6 per millisecond: never refuses within a benchmark.
    let window = Window::new("ms", MAX_QUOTA, Duration::from_millis(1));
    MemoryRateLimiter::new(RateLimitPolicy::new(Algorithm::TokenBucket, [window]).unwrap())
}

fn two_windows() -> MemoryRateLimiter {
    let windows = [
        Window::new("minute", MAX_QUOTA, Duration::from_millis(1)),
        Window::new("hour", MAX_QUOTA, Duration::from_millis(60)),
    ];
    MemoryRateLimiter::new(RateLimitPolicy::new(Algorithm::SlidingWindow, windows).unwrap())
}

fn single_key(c: &mut Criterion) {
    let mut g = c.benchmark_group("single_key");
    let direct = RateLimiter::direct(governor_quota());
    g.bench_function("a_governor_direct", |b| b.iter(|| black_box(direct.check().is_ok())));

    let keyed: DefaultKeyedRateLimiter<String> = RateLimiter::keyed(governor_quota());
    let key = "principal:user-1".to_string();
    g.bench_function("b_governor_keyed", |b| b.iter(|| black_box(keyed.check_key(black_box(&key)).is_ok())));

    let bucket = one_bucket();
    let k = RateLimitKey::principal("user-1");
    assert!(bucket.check_now(&k, 1).unwrap().is_allowed());
    g.bench_function("c_apishield_token_bucket", |b| {
        b.iter(|| black_box(bucket.check_now(black_box(&k), 1).unwrap().is_allowed()))
    });

    let sliding = two_windows();
    g.bench_function("d_apishield_two_sliding_windows", |b| {
        b.iter(|| black_box(sliding.check_now(black_box(&k), 1).unwrap().is_allowed()))
    });
    g.finish();
}

fn distinct_keys(c: &mut Criterion) {
    let mut g = c.benchmark_group("distinct_100k");
    let names: Vec<String> = (0..KEYS).map(|i| format!("principal:user-{i}")).collect();
    let keys: Vec<RateLimitKey> = (0..KEYS).map(|i| RateLimitKey::principal(format!("user-{i}"))).collect();

    let keyed: DefaultKeyedRateLimiter<String> = RateLimiter::keyed(governor_quota());
    names.iter().for_each(|k| assert!(keyed.check_key(k).is_ok()));
    let mut i = 0;
    g.bench_function("a_governor_keyed", |b| {
        b.iter(|| {
            i = (i + 1) % KEYS;
            black_box(keyed.check_key(&names[i]).is_ok())
        })
    });

    let bucket = one_bucket();
    keys.iter().for_each(|k| assert!(bucket.check_now(k, 1).unwrap().is_allowed()));
    let mut i = 0;
    g.bench_function("b_apishield_token_bucket", |b| {
        b.iter(|| {
            i = (i + 1) % KEYS;
            black_box(bucket.check_now(&keys[i], 1).unwrap().is_allowed())
        })
    });

    let sliding = two_windows();
    keys.iter().for_each(|k| assert!(sliding.check_now(k, 1).unwrap().is_allowed()));
    let mut i = 0;
    g.bench_function("c_apishield_two_sliding_windows", |b| {
        b.iter(|| {
            i = (i + 1) % KEYS;
            black_box(sliding.check_now(&keys[i], 1).unwrap().is_allowed())
        })
    });
    g.finish();
}

/// Wall time of `iters` checks split over two threads, each calling
/// `check(thread, i)`.
fn two_threads(iters: u64, check: impl Fn(usize, usize) -> bool + Send + Sync + 'static) -> Duration {
    let check = Arc::new(check);
    let barrier = Arc::new(Barrier::new(3));
    let handles: Vec<_> = (0..2)
        .map(|t| {
            let (check, barrier) = (check.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                for i in 0..(iters / 2) as usize {
                    black_box(check(t, i));
                }
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    for h in handles {
        h.join().unwrap();
    }
    start.elapsed()
}

fn contention(c: &mut Criterion) {
    let mut g = c.benchmark_group("two_threads");
    let names: Arc<Vec<String>> = Arc::new((0..KEYS).map(|i| format!("principal:user-{i}")).collect());
    let keys: Arc<Vec<RateLimitKey>> =
        Arc::new((0..KEYS).map(|i| RateLimitKey::principal(format!("user-{i}"))).collect());

    let keyed: Arc<DefaultKeyedRateLimiter<String>> = Arc::new(RateLimiter::keyed(governor_quota()));
    g.bench_function("a_governor_keyed_distinct", |b| {
        b.iter_custom(|n| {
            let (keyed, names) = (keyed.clone(), names.clone());
            two_threads(n, move |t, i| keyed.check_key(&names[(i * 2 + t) % KEYS]).is_ok())
        })
    });
    let bucket = Arc::new(one_bucket());
    g.bench_function("b_apishield_distinct", |b| {
        b.iter_custom(|n| {
            let (bucket, keys) = (bucket.clone(), keys.clone());
            two_threads(n, move |t, i| bucket.check_now(&keys[(i * 2 + t) % KEYS], 1).is_ok_and(|d| d.is_allowed()))
        })
    });
    let direct = Arc::new(RateLimiter::direct(governor_quota()));
    g.bench_function("c_governor_direct_shared", |b| {
        b.iter_custom(|n| {
            let direct = direct.clone();
            two_threads(n, move |_, _| direct.check().is_ok())
        })
    });
    g.bench_function("d_governor_keyed_shared", |b| {
        b.iter_custom(|n| {
            let (keyed, names) = (keyed.clone(), names.clone());
            two_threads(n, move |_, _| keyed.check_key(&names[0]).is_ok())
        })
    });
    g.bench_function("e_apishield_shared", |b| {
        b.iter_custom(|n| {
            let (bucket, keys) = (bucket.clone(), keys.clone());
            two_threads(n, move |_, _| bucket.check_now(&keys[0], 1).is_ok_and(|d| d.is_allowed()))
        })
    });
    g.finish();
}

criterion_group!(benches, single_key, distinct_keys, contention);
criterion_main!(benches);
