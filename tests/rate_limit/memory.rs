//! The in-memory limiter end to end: exact under concurrency (threads and
//! async tasks), window edges on a manual clock for every algorithm,
//! several windows with a refused request counted in none, weighted
//! requests, typed keys, and memory that stays bounded under a flood of
//! distinct keys.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use apishield::rate_limit::{
    Algorithm, MemoryOptions, MemoryRateLimiter, Outcome, RateLimitKey, RateLimitPolicy, RateLimiter, Tier, Window,
};
use apishield::time::ManualClock;

const ALGORITHMS: [Algorithm; 3] = [Algorithm::TokenBucket, Algorithm::SlidingWindow, Algorithm::SlidingLog];
/// A Unix time that is a whole number of hours (and so of minutes).
const T0: u64 = 1_699_999_200_000;

fn policy(algorithm: Algorithm, windows: impl IntoIterator<Item = Window>) -> RateLimitPolicy {
    RateLimitPolicy::new(algorithm, windows).unwrap()
}

fn at(clock: &ManualClock, ms: u64) {
    clock.set(T0 + ms);
}

#[test]
fn two_thousand_concurrent_requests_against_a_limit_of_100_admit_exactly_100() {
    for algorithm in ALGORITHMS {
        let limiter = Arc::new(MemoryRateLimiter::new(policy(algorithm, [Window::per_hour(100)])));
        let allowed = Arc::new(AtomicUsize::new(0));
        let threads = 8;
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (limiter, allowed, barrier) = (limiter.clone(), allowed.clone(), barrier.clone());
                std::thread::spawn(move || {
                    let key = RateLimitKey::principal("hot");
                    barrier.wait();
                    for _ in 0..2000 / threads {
                        if limiter.check_now(&key, 1).unwrap().is_allowed() {
                            allowed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        assert_eq!(allowed.load(Ordering::Relaxed), 100, "{algorithm:?}");
    }
}

#[test]
fn concurrent_async_tasks_on_many_keys_each_get_exactly_their_limit() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
    rt.block_on(async {
        for algorithm in ALGORITHMS {
            let limiter =
                Arc::new(MemoryRateLimiter::new(policy(algorithm, [Window::per_hour(10), Window::per_day(15)])));
            let tasks: Vec<_> = (0..2000)
                .map(|i| {
                    let limiter = limiter.clone();
                    tokio::spawn(async move {
                        let key = RateLimitKey::api_key(format!("key-{}", i % 50));
                        (i % 50, limiter.check(&key, 1).await.unwrap().is_allowed())
                    })
                })
                .collect();
            let mut per_key = [0; 50];
            for t in tasks {
                let (k, ok) = t.await.unwrap();
                per_key[k] += usize::from(ok);
            }
            assert!(per_key.iter().all(|&n| n == 10), "{algorithm:?}: {per_key:?}");
        }
    });
}

#[test]
fn sliding_log_edges_are_exact_to_the_millisecond() {
    let clock = ManualClock::new(T0);
    let limiter = MemoryRateLimiter::with_clock(policy(Algorithm::SlidingLog, [Window::per_minute(5)]), clock.clone());
    let key = RateLimitKey::principal("a");
    for i in 0..5 {
        at(&clock, i * 1000);
        assert!(limiter.check_now(&key, 1).unwrap().is_allowed());
    }
    at(&clock, 59_999);
    let refused = limiter.check_now(&key, 1).unwrap();
    assert_eq!(refused.outcome(), Outcome::Limited);
    assert_eq!(refused.retry_after(), Some(Duration::from_millis(1)));
    // The first request leaves the window at exactly t0 + 60 s.
    at(&clock, 60_000);
    assert!(limiter.check_now(&key, 1).unwrap().is_allowed());
    assert!(!limiter.check_now(&key, 1).unwrap().is_allowed());
    at(&clock, 61_000);
    assert!(limiter.check_now(&key, 1).unwrap().is_allowed());
}

#[test]
fn token_bucket_bursts_then_refills_at_the_rate() {
    // The reference's bucket: capacity 100, 10 per second.
    let clock = ManualClock::new(T0);
    let p = policy(Algorithm::TokenBucket, [Window::per_second(10).burst(100)]);
    let limiter = MemoryRateLimiter::with_clock(p, clock.clone());
    let key = RateLimitKey::principal("a");
    let burst = (0..150).filter(|_| limiter.check_now(&key, 1).unwrap().is_allowed()).count();
    assert_eq!(burst, 100);
    let refused = limiter.check_now(&key, 1).unwrap();
    assert_eq!(refused.retry_after(), Some(Duration::from_millis(100)));
    at(&clock, 99);
    assert!(!limiter.check_now(&key, 1).unwrap().is_allowed());
    at(&clock, 100);
    assert!(limiter.check_now(&key, 1).unwrap().is_allowed());
    // One second later: ten more, not eleven.
    at(&clock, 1_100);
    assert_eq!((0..20).filter(|_| limiter.check_now(&key, 1).unwrap().is_allowed()).count(), 10);
    // After refilling completely (10 s) the bucket holds 100 again, no more.
    at(&clock, 60_000);
    assert_eq!((0..150).filter(|_| limiter.check_now(&key, 1).unwrap().is_allowed()).count(), 100);
}

#[test]
fn sliding_window_counter_carries_the_previous_window_over() {
    let clock = ManualClock::new(T0);
    let limiter =
        MemoryRateLimiter::with_clock(policy(Algorithm::SlidingWindow, [Window::per_minute(60)]), clock.clone());
    let key = RateLimitKey::principal("a");
    at(&clock, 50_000);
    assert_eq!((0..100).filter(|_| limiter.check_now(&key, 1).unwrap().is_allowed()).count(), 60);
    // 15 s into the next minute, 45 s of the last one are still covered:
    // 60 * 45/60 = 45 count, so 15 are free.
    at(&clock, 75_000);
    assert_eq!((0..100).filter(|_| limiter.check_now(&key, 1).unwrap().is_allowed()).count(), 15);
    // Two minutes on, all of it is gone.
    at(&clock, 180_000);
    assert_eq!((0..100).filter(|_| limiter.check_now(&key, 1).unwrap().is_allowed()).count(), 60);
}

#[test]
fn the_tiers_limit_per_minute_and_per_hour() {
    let key = RateLimitKey::principal("free-user");
    // Sliding windows: a burst every two minutes (so the minute is whole
    // again each time) takes 60 until the hour's 1000 are used up.
    for algorithm in [Algorithm::SlidingWindow, Algorithm::SlidingLog] {
        let clock = ManualClock::new(T0);
        let limiter = MemoryRateLimiter::with_clock(RateLimitPolicy::tier(Tier::Free, algorithm), clock.clone());
        let per_round: Vec<usize> = (0..29u64)
            .map(|round| {
                at(&clock, round * 120_000);
                (0..100).filter(|_| limiter.check_now(&key, 1).unwrap().is_allowed()).count()
            })
            .collect();
        assert!(per_round[..16].iter().all(|&n| n == 60), "{algorithm:?}: {per_round:?}");
        assert_eq!(per_round[16], 40, "{algorithm:?}");
        assert!(per_round[17..].iter().all(|&n| n == 0), "{algorithm:?}: {per_round:?}");
    }
    // Token bucket: the hour is a bucket of 1000 refilled at 1000 per hour.
    // Draining it every minute gets 60 a minute until the hour bucket runs
    // dry, then its refill (16.67 a minute).
    let clock = ManualClock::new(T0);
    let limiter =
        MemoryRateLimiter::with_clock(RateLimitPolicy::tier(Tier::Free, Algorithm::TokenBucket), clock.clone());
    let per_minute: Vec<usize> = (0..60u64)
        .map(|minute| {
            at(&clock, minute * 60_000);
            (0..100).filter(|_| limiter.check_now(&key, 1).unwrap().is_allowed()).count()
        })
        .collect();
    // 1000 - 43.33 m >= 60 for m <= 21; minute 22 gets what is left (46).
    assert!(per_minute[..22].iter().all(|&n| n == 60), "{per_minute:?}");
    assert_eq!(per_minute[22], 46);
    assert!(per_minute[23..].iter().all(|&n| n == 16 || n == 17), "{per_minute:?}");
    let total: usize = per_minute.iter().sum();
    assert!(total <= 1000 + 59 * 1000 / 60, "{total}");

    let unauthenticated = MemoryRateLimiter::new(RateLimitPolicy::unauthenticated());
    let ip = RateLimitKey::client_ip("198.51.100.7".parse().unwrap());
    assert_eq!((0..50).filter(|_| unauthenticated.check_now(&ip, 1).unwrap().is_allowed()).count(), 20);
    let paid = MemoryRateLimiter::new(RateLimitPolicy::paid());
    let user = RateLimitKey::principal("paying");
    assert_eq!((0..500).filter(|_| paid.check_now(&user, 1).unwrap().is_allowed()).count(), 300);
}

#[test]
fn a_refused_request_is_counted_in_no_window() {
    for algorithm in ALGORITHMS {
        let clock = ManualClock::new(T0);
        let p = policy(algorithm, [Window::per_second(5), Window::per_minute(8), Window::per_hour(12)]);
        let limiter = MemoryRateLimiter::with_clock(p, clock.clone());
        let key = RateLimitKey::principal("a");
        let remaining = |limiter: &MemoryRateLimiter<ManualClock>| -> Vec<u32> {
            let peek = limiter.check_now(&key, 0).unwrap();
            peek.windows().iter().map(|w| w.remaining().unwrap()).collect()
        };
        // 50 at once: the second lets 5 through and refuses 45, which take
        // nothing from the minute or the hour.
        let passed = (0..50).filter(|_| limiter.check_now(&key, 1).unwrap().is_allowed()).count();
        assert_eq!(passed, 5, "{algorithm:?}");
        assert_eq!(remaining(&limiter), [0, 3, 7], "{algorithm:?}");
        // Refused by the minute: the second and the hour keep their room.
        at(&clock, 2_000);
        let refused = limiter.check_now(&key, 4).unwrap();
        assert_eq!(refused.outcome(), Outcome::Limited, "{algorithm:?}");
        assert_eq!(refused.violated_windows().collect::<Vec<_>>(), ["minute"], "{algorithm:?}");
        assert_eq!(remaining(&limiter), [5, 3, 7], "{algorithm:?}");
        assert!(limiter.check_now(&key, 3).unwrap().is_allowed(), "{algorithm:?}");
        assert_eq!(remaining(&limiter), [2, 0, 4], "{algorithm:?}");
        // Refused by the hour: the second and the minute keep theirs.
        at(&clock, 122_000);
        let refused = limiter.check_now(&key, 5).unwrap();
        assert_eq!(refused.outcome(), Outcome::Limited, "{algorithm:?}");
        assert_eq!(refused.violated_windows().collect::<Vec<_>>(), ["hour"], "{algorithm:?}");
        assert_eq!(remaining(&limiter), [5, 8, 4], "{algorithm:?}");
        assert!(limiter.check_now(&key, 4).unwrap().is_allowed(), "{algorithm:?}");
        assert_eq!(remaining(&limiter), [1, 4, 0], "{algorithm:?}");
    }
}

#[test]
fn weighted_requests_cost_their_weight() {
    let clock = ManualClock::new(T0);
    let limiter = MemoryRateLimiter::with_clock(RateLimitPolicy::free(), clock.clone());
    let key = RateLimitKey::principal("exporter");
    // An export costs 10 of the 60 per minute.
    assert_eq!((0..10).filter(|_| limiter.check_now(&key, 10).unwrap().is_allowed()).count(), 6);
    let d = limiter.check_now(&key, 1).unwrap();
    assert_eq!(d.outcome(), Outcome::Limited);
    assert_eq!(limiter.check_now(&key, 0).unwrap().windows()[1].remaining(), Some(940));
    assert!(limiter.check_now(&key, 61).is_err());
}

#[test]
fn principals_api_keys_and_addresses_are_counted_apart() {
    let limiter = MemoryRateLimiter::new(RateLimitPolicy::unauthenticated());
    let ip: IpAddr = "203.0.113.9".parse().unwrap();
    let keys = [
        RateLimitKey::principal("203.0.113.9"),
        RateLimitKey::api_key("203.0.113.9"),
        RateLimitKey::client_ip(ip),
        RateLimitKey::client_ip("2001:db8:1:2::1".parse().unwrap()),
    ];
    for key in &keys {
        assert_eq!((0..30).filter(|_| limiter.check_now(key, 1).unwrap().is_allowed()).count(), 20, "{key}");
    }
    // Another address of the same IPv6 /64 shares its budget.
    let same_net = RateLimitKey::client_ip("2001:db8:1:2:ffff::1".parse().unwrap());
    assert!(!limiter.check_now(&same_net, 1).unwrap().is_allowed());
}

#[test]
fn time_going_backwards_gives_nothing_back() {
    for algorithm in ALGORITHMS {
        let clock = ManualClock::new(T0);
        let limiter = MemoryRateLimiter::with_clock(policy(algorithm, [Window::per_minute(5)]), clock.clone());
        let key = RateLimitKey::principal("a");
        at(&clock, 30_000);
        assert_eq!((0..10).filter(|_| limiter.check_now(&key, 1).unwrap().is_allowed()).count(), 5);
        at(&clock, 0);
        assert!(!limiter.check_now(&key, 1).unwrap().is_allowed(), "{algorithm:?}");
    }
}

#[test]
fn a_flood_of_distinct_keys_stays_within_max_keys_and_idle_keys_go() {
    let clock = ManualClock::new(T0);
    let options = MemoryOptions::default().max_keys(10_000).shards(16).sweep_interval(Duration::from_secs(1));
    let limiter = MemoryRateLimiter::with_options(RateLimitPolicy::free(), clock.clone(), options);
    for i in 0..200_000u32 {
        let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0A00_0000 + i));
        assert!(limiter.check_now(&RateLimitKey::client_ip_exact(ip), 1).unwrap().is_allowed());
    }
    let tracked = limiter.tracked_keys();
    assert!(tracked <= 10_000, "{tracked} keys tracked");
    assert!(limiter.evicted_active_keys() >= 190_000);
    // A key in use survives the flood: it was used last.
    let regular = RateLimitKey::principal("regular");
    for _ in 0..60 {
        limiter.check_now(&regular, 1).unwrap();
    }
    assert!(!limiter.check_now(&regular, 1).unwrap().is_allowed());
    // Two hours on, every key is idle: the shards sweep themselves as they
    // are used, and `sweep` does the rest.
    clock.advance(Duration::from_secs(2 * 3600 + 1));
    for i in 0..1000u32 {
        limiter.check_now(&RateLimitKey::api_key(i.to_string()), 1).unwrap();
    }
    assert!(limiter.tracked_keys() <= 1000, "{}", limiter.tracked_keys());
    clock.advance(Duration::from_secs(2 * 3600 + 1));
    limiter.sweep();
    assert_eq!(limiter.tracked_keys(), 0);
}

#[test]
fn memory_limiters_never_share_budgets_across_instances() {
    let key = RateLimitKey::client_ip("203.0.113.50".parse().unwrap());
    let login = MemoryRateLimiter::new(policy(Algorithm::SlidingWindow, [Window::per_minute(5)]));
    let search = MemoryRateLimiter::new(policy(Algorithm::SlidingWindow, [Window::per_minute(100)]));
    let login_again = MemoryRateLimiter::new(policy(Algorithm::SlidingWindow, [Window::per_minute(5)]));
    for _ in 0..5 {
        assert!(login.check_now(&key, 1).unwrap().is_allowed());
    }
    assert_eq!(login.check_now(&key, 1).unwrap().outcome(), Outcome::Limited);
    // Each instance has its own state: one policy or another, nothing is shared.
    assert_eq!(search.check_now(&key, 1).unwrap().remaining(), Some(99));
    assert_eq!(login_again.check_now(&key, 1).unwrap().remaining(), Some(4));
    // Sharing is explicit: one instance behind an Arc.
    let shared = Arc::new(login_again);
    let other = Arc::clone(&shared);
    assert_eq!(other.check_now(&key, 1).unwrap().remaining(), Some(3));
}
