//! Redis rate-limit decisions per second, from one process or from several
//! at once, for comparison with what Redis itself can do with the same
//! script (`redis-benchmark ... EVALSHA`, printed at the end as the
//! command to run).
//!
//! Each process runs one `RedisRateLimiter` (one multiplexed connection) on
//! a single-threaded Tokio runtime, with `CONCURRENCY` decisions in flight,
//! over 1,000 keys, for `SECS` seconds; quotas are large so that every
//! decision is an allowed one that writes (the costlier path).
//!
//! ```text
//! REDIS_URL=redis://127.0.0.1:6379 cargo bench -p apishield-benches --bench rate_limit_redis
//! PROCS=2 REDIS_URL=... cargo bench -p apishield-benches --bench rate_limit_redis
//! ```

// A benchmark's unwrap is its assertion: it must not go on measuring a failing path.
#![allow(clippy::unwrap_used)]

use std::rc::Rc;
use std::time::{Duration, Instant};

use apishield::rate_limit::{
    Algorithm, MAX_QUOTA, Outcome, RateLimitKey, RateLimitPolicy, RedisOptions, RedisRateLimiter, Window,
};

fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn policy() -> RateLimitPolicy {
    let windows = [
        // Short windows, so the benchmark's keys expire within 20 s.
        Window::new("second", MAX_QUOTA, Duration::from_secs(1)),
        Window::new("ten", MAX_QUOTA, Duration::from_secs(10)),
    ];
    RateLimitPolicy::new(Algorithm::SlidingWindow, windows).unwrap()
}

/// Runs the load in this process; returns decisions per second.
fn run(url: &str, secs: u64, concurrency: usize, tag: &str) -> f64 {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let prefix = format!("apishield-bench:{tag}:{}:", std::process::id());
        let options = RedisOptions::default().timeout(Duration::from_secs(5));
        let limiter = Rc::new(RedisRateLimiter::connect(url, policy(), options).await.unwrap().prefix(&prefix));
        let keys: Rc<Vec<RateLimitKey>> =
            Rc::new((0..1000).map(|i| RateLimitKey::principal(format!("u{i}"))).collect());
        // Warm up: connect, load the script.
        assert_eq!(limiter.check(&keys[0], 1).await.unwrap().outcome(), Outcome::Allowed);
        let deadline = Instant::now() + Duration::from_secs(secs);
        let started = Instant::now();
        let local = tokio::task::LocalSet::new();
        let tasks: Vec<_> = (0..concurrency)
            .map(|w| {
                let (limiter, keys) = (limiter.clone(), keys.clone());
                local.spawn_local(async move {
                    let (mut n, mut i) = (0u64, w);
                    while Instant::now() < deadline {
                        let d = limiter.check(&keys[i % keys.len()], 1).await.unwrap();
                        assert_eq!(d.outcome(), Outcome::Allowed);
                        n += 1;
                        i += concurrency;
                    }
                    n
                })
            })
            .collect();
        let total: u64 = local
            .run_until(async {
                let mut total = 0;
                for t in tasks {
                    total += t.await.unwrap();
                }
                total
            })
            .await;
        total as f64 / started.elapsed().as_secs_f64()
    })
}

fn main() {
    let Ok(url) = std::env::var("REDIS_URL") else {
        eprintln!("rate_limit_redis: set REDIS_URL (e.g. redis://127.0.0.1:6379) to run this benchmark");
        return;
    };
    // `cargo bench` passes --bench; anything else (`cargo test --benches`)
    // gets a one-second smoke run.
    let full = std::env::args().any(|a| a == "--bench");
    let secs = env("SECS", if full { 5u64 } else { 1 });
    let concurrency = env("CONCURRENCY", 64usize);
    if std::env::var("RATE_LIMIT_BENCH_CHILD").is_ok() {
        println!("{}", run(&url, secs, concurrency, "child"));
        return;
    }
    let procs = env("PROCS", 1usize);
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (1..procs)
        .map(|_| {
            std::process::Command::new(&exe)
                .env("RATE_LIMIT_BENCH_CHILD", "1")
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mine = run(&url, secs, concurrency, "main");
    let mut rates = vec![mine];
    for child in children {
        let out = child.wait_with_output().unwrap();
        rates.push(String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0.0));
    }
    let total: f64 = rates.iter().sum();
    println!(
        "rate_limit_redis: {procs} process(es) x {concurrency} in flight, {secs} s: {total:.0} decisions/s ({})",
        rates.iter().map(|r| format!("{r:.0}")).collect::<Vec<_>>().join(" + ")
    );
    println!(
        "ceiling, the same script in Redis without this client:\n  sha=$(redis-cli -u \"$REDIS_URL\" SCRIPT LOAD \"$(cat runtime/src/rate_limit/rate_limit.lua)\")\n  \
         redis-benchmark -n 200000 -c {} -q EVALSHA $sha 2 'b:{{k}}:second' 'b:{{k}}:ten' 2 1 {MAX_QUOTA} 1000 {MAX_QUOTA} {MAX_QUOTA} 10000 {MAX_QUOTA}",
        concurrency * procs
    );
}
