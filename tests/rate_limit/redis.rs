//! The Redis limiter against a real Redis (`REDIS_URL`; skipped, with a
//! note, when it is not set): two limiter instances sharing one Redis, as
//! two servers would, admit exactly the limit under 2,000 concurrent
//! requests; a refused request is counted in no window; decisions agree
//! with the memory limiter's, use the Redis clock, and leave only keys with
//! a TTL; and outages (a port where nothing listens, a Redis that stops
//! answering, a Redis that drops connections) become the configured
//! decision, never a panic, with recovery when Redis is back.
//!
//! Every test uses its own key prefix and deletes its keys at the end.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use apishield::rate_limit::{
    Algorithm, FailMode, MemoryRateLimiter, Outcome, RateLimitKey, RateLimitPolicy, RateLimiter, RedisOptions,
    RedisRateLimiter, Window,
};
use apishield_tests::redis_url;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const ALGORITHMS: [Algorithm; 3] = [Algorithm::TokenBucket, Algorithm::SlidingWindow, Algorithm::SlidingLog];

fn options() -> RedisOptions {
    // Generous: on a loaded machine 2,000 queued scripts take a while, and a
    // decision that times out is refused here but may still count in Redis.
    RedisOptions::default().timeout(Duration::from_secs(10))
}

async fn connection(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url).unwrap().get_multiplexed_async_connection().await.unwrap()
}

/// Deletes every key under `prefix`.
async fn cleanup(url: &str, prefix: &str) {
    let mut conn = connection(url).await;
    let mut cursor: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut conn)
            .await
            .unwrap();
        if !keys.is_empty() {
            let _: i64 = redis::cmd("DEL").arg(&keys).query_async(&mut conn).await.unwrap();
        }
        if next == 0 {
            break;
        }
        cursor = next;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_sharing_redis_admit_exactly_100_of_2000_concurrent_requests() {
    let Some(url) = redis_url() else { return };
    for algorithm in ALGORITHMS {
        let prefix = apishield_tests::unique_prefix("exact");
        let policy = RateLimitPolicy::new(algorithm, [Window::per_hour(100)]).unwrap();
        // Two instances, two connection managers: two servers.
        let a = Arc::new(RedisRateLimiter::connect(&url, policy.clone(), options()).await.unwrap().prefix(&prefix));
        let b = Arc::new(RedisRateLimiter::connect(&url, policy, options()).await.unwrap().prefix(&prefix));
        let tasks: Vec<_> = (0..2000)
            .map(|i| {
                let limiter = if i % 2 == 0 { a.clone() } else { b.clone() };
                tokio::spawn(async move { limiter.check(&RateLimitKey::principal("hot"), 1).await.unwrap() })
            })
            .collect();
        let mut outcomes = [0usize; 4];
        for t in tasks {
            let i = match t.await.unwrap().outcome() {
                Outcome::Allowed => 0,
                Outcome::Limited => 1,
                Outcome::Unavailable => 2,
                _ => 3,
            };
            outcomes[i] += 1;
        }
        assert_eq!(outcomes, [100, 1900, 0, 0], "{algorithm:?}: allowed, limited, unavailable, other");
        cleanup(&url, &prefix).await;
    }
}

#[tokio::test]
async fn a_refused_request_is_counted_in_no_window() {
    let Some(url) = redis_url() else { return };
    for algorithm in ALGORITHMS {
        let prefix = apishield_tests::unique_prefix("refused");
        let hour = Window::new("hour", 4, Duration::from_secs(3600));
        let day = Window::new("day", 10, Duration::from_secs(86_400));
        let policy = RateLimitPolicy::new(algorithm, [hour, day]).unwrap();
        let limiter = RedisRateLimiter::connect(&url, policy, options()).await.unwrap().prefix(&prefix);
        let remaining = |d: apishield::RateLimitDecision| -> Vec<u32> {
            d.windows().iter().map(|w| w.remaining().unwrap()).collect()
        };
        let key = RateLimitKey::principal("a");
        assert_eq!(remaining(limiter.check(&key, 3).await.unwrap()), [1, 7]);
        // Refused by the hour: the day keeps its 7.
        let refused = limiter.check(&key, 2).await.unwrap();
        assert_eq!(refused.outcome(), Outcome::Limited, "{algorithm:?}");
        assert_eq!(remaining(refused), [1, 7], "{algorithm:?}");
        assert_eq!(remaining(limiter.check(&key, 0).await.unwrap()), [1, 7], "{algorithm:?}");
        // And the other way round: refused by the day, the hour keeps its room.
        let other = RateLimitKey::principal("b");
        let policy = RateLimitPolicy::new(
            algorithm,
            [Window::new("hour", 10, Duration::from_secs(3600)), Window::new("day", 4, Duration::from_secs(86_400))],
        )
        .unwrap();
        let limiter = RedisRateLimiter::connect(&url, policy, options()).await.unwrap().prefix(&prefix);
        assert!(limiter.check(&other, 3).await.unwrap().is_allowed());
        assert_eq!(limiter.check(&other, 2).await.unwrap().outcome(), Outcome::Limited);
        assert_eq!(remaining(limiter.check(&other, 0).await.unwrap()), [7, 1], "{algorithm:?}");
        cleanup(&url, &prefix).await;
    }
}

#[tokio::test]
async fn redis_decides_as_the_memory_limiter_does() {
    let Some(url) = redis_url() else { return };
    let costs = [1u32, 2, 3, 1, 0, 1, 2, 1, 1, 3, 1, 1, 2];
    for algorithm in ALGORITHMS {
        let prefix = apishield_tests::unique_prefix("agree");
        let policy = RateLimitPolicy::new(algorithm, [Window::per_hour(7), Window::per_day(10)]).unwrap();
        let redis = RedisRateLimiter::connect(&url, policy.clone(), options()).await.unwrap().prefix(&prefix);
        let memory = MemoryRateLimiter::new(policy);
        let key = RateLimitKey::api_key("agree");
        for (i, &cost) in costs.iter().enumerate() {
            let r = redis.check(&key, cost).await.unwrap();
            let m = memory.check(&key, cost).await.unwrap();
            assert_eq!(r.outcome(), m.outcome(), "{algorithm:?} step {i}");
            let rem = |d: &apishield::RateLimitDecision| d.windows().iter().map(|w| w.remaining()).collect::<Vec<_>>();
            assert_eq!(rem(&r), rem(&m), "{algorithm:?} step {i}");
            assert_eq!(r.policy_header(), m.policy_header());
        }
        cleanup(&url, &prefix).await;
    }
}

#[tokio::test]
async fn every_key_written_has_a_ttl_and_the_log_is_a_sorted_set() {
    let Some(url) = redis_url() else { return };
    let mut conn = connection(&url).await;
    for algorithm in ALGORITHMS {
        let prefix = apishield_tests::unique_prefix("ttl");
        let policy = RateLimitPolicy::new(algorithm, [Window::per_minute(5), Window::per_hour(50)]).unwrap();
        let limiter = RedisRateLimiter::connect(&url, policy, options()).await.unwrap().prefix(&prefix);
        let key = RateLimitKey::client_ip("198.51.100.20".parse().unwrap());
        for _ in 0..8 {
            limiter.check(&key, 1).await.unwrap();
        }
        for (i, period_ms) in [(0, 60_000i64), (1, 3_600_000)] {
            let name = limiter.redis_key(&key, i).unwrap();
            assert!(name.starts_with(&format!("{prefix}{{ip:198.51.100.20}}:")), "{name}");
            let ttl: i64 = redis::cmd("PTTL").arg(&name).query_async(&mut conn).await.unwrap();
            let bound = match algorithm {
                // Time to refill what was taken, plus a millisecond.
                Algorithm::TokenBucket => period_ms + 1,
                // Until the counts of this and the next window stop mattering.
                Algorithm::SlidingWindow => 2 * period_ms,
                _ => period_ms,
            };
            assert!(ttl > 0 && ttl <= bound, "{algorithm:?} {name}: ttl {ttl}");
            if algorithm == Algorithm::SlidingLog {
                let card: i64 = redis::cmd("ZCARD").arg(&name).query_async(&mut conn).await.unwrap();
                assert_eq!(card, 5, "only admitted requests are in the log");
            }
        }
        cleanup(&url, &prefix).await;
    }
}

#[tokio::test]
async fn decisions_run_on_the_redis_clock() {
    let Some(url) = redis_url() else { return };
    let prefix = apishield_tests::unique_prefix("clock");
    let mut conn = connection(&url).await;
    let limiter = RedisRateLimiter::connect(&url, RateLimitPolicy::free(), options()).await.unwrap().prefix(&prefix);
    let redis_ms = |t: (u64, u64)| t.0 * 1000 + t.1 / 1000;
    let before: (u64, u64) = redis::cmd("TIME").query_async(&mut conn).await.unwrap();
    let d = limiter.check(&RateLimitKey::principal("clock"), 1).await.unwrap();
    let after: (u64, u64) = redis::cmd("TIME").query_async(&mut conn).await.unwrap();
    assert!(redis_ms(before) <= d.now_unix_ms() && d.now_unix_ms() <= redis_ms(after));
    cleanup(&url, &prefix).await;
}

/// A port where nothing listens.
fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[tokio::test]
async fn a_port_where_nothing_listens_fails_closed_by_default_and_open_when_asked() {
    let url = format!("redis://127.0.0.1:{}", dead_port());
    let timeout = Duration::from_millis(300);
    let key = RateLimitKey::principal("a");
    let closed = RedisRateLimiter::connect(&url, RateLimitPolicy::free(), RedisOptions::default().timeout(timeout))
        .await
        .unwrap();
    let open = RedisRateLimiter::connect(
        &url,
        RateLimitPolicy::free(),
        RedisOptions::default().timeout(timeout).fail_mode(FailMode::Open),
    )
    .await
    .unwrap();
    for _ in 0..3 {
        let started = Instant::now();
        let d = closed.check(&key, 1).await.unwrap();
        assert!(started.elapsed() < timeout + Duration::from_millis(500));
        assert_eq!(d.outcome(), Outcome::Unavailable);
        assert_eq!(d.rejection_status(), Some(503));
        assert_eq!(d.retry_after(), Some(Duration::from_secs(1)));
        let d = open.check(&key, 1).await.unwrap();
        assert_eq!(d.outcome(), Outcome::Unchecked);
        assert!(d.is_allowed());
    }
}

/// A TCP proxy in front of Redis that can forward, pause (stop reading, as
/// a stalled server does: bytes wait in the buffers) or go down (close every
/// connection and refuse new ones).
struct Proxy {
    port: u16,
    mode: Arc<AtomicU8>,
}

const FORWARD: u8 = 0;
const PAUSE: u8 = 1;
const DOWN: u8 = 2;

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mode = Arc::new(AtomicU8::new(FORWARD));
        let accept_mode = mode.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                if accept_mode.load(Ordering::SeqCst) == DOWN {
                    drop(client);
                    continue;
                }
                let mode = accept_mode.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(upstream).await else { return };
                    let (cr, cw) = client.into_split();
                    let (sr, sw) = server.into_split();
                    tokio::select! {
                        () = pump(cr, sw, mode.clone()) => {}
                        () = pump(sr, cw, mode) => {}
                    }
                });
            }
        });
        Proxy { port, mode }
    }

    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }
}

async fn pump(mut from: tokio::net::tcp::OwnedReadHalf, mut to: tokio::net::tcp::OwnedWriteHalf, mode: Arc<AtomicU8>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        if mode.load(Ordering::SeqCst) == PAUSE {
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        }
        let n = match tokio::time::timeout(Duration::from_millis(10), from.read(&mut buf)).await {
            Err(_) if mode.load(Ordering::SeqCst) == DOWN => return,
            Err(_) => continue,
            Ok(Ok(0) | Err(_)) => return,
            Ok(Ok(n)) => n,
        };
        while mode.load(Ordering::SeqCst) == PAUSE {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if mode.load(Ordering::SeqCst) == DOWN || to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// `url` with its host and port replaced by 127.0.0.1:`port`, and the
/// address it pointed to.
async fn through_proxy(url: &str) -> (SocketAddr, impl Fn(u16) -> String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    let (userinfo, hostport) = authority.rsplit_once('@').map_or(("", authority), |(u, h)| (u, h));
    let hostport = if hostport.contains(':') { hostport.to_string() } else { format!("{hostport}:6379") };
    let upstream = tokio::net::lookup_host(&hostport).await.unwrap().next().unwrap();
    let (scheme, userinfo, path) = (scheme.to_string(), userinfo.to_string(), path.to_string());
    let rewrite = move |port: u16| {
        let at = if userinfo.is_empty() { String::new() } else { format!("{userinfo}@") };
        format!("{scheme}://{at}127.0.0.1:{port}/{path}")
    };
    (upstream, rewrite)
}

async fn wait_for(limiter: &RedisRateLimiter, key: &RateLimitKey, want: impl Fn(Outcome) -> bool) -> Outcome {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let d = limiter.check(key, 1).await.unwrap();
        if want(d.outcome()) || Instant::now() > deadline {
            return d.outcome();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_that_stops_answering_or_drops_connections_then_recovers() {
    let Some(url) = redis_url() else { return };
    let (upstream, rewrite) = through_proxy(&url).await;
    for mode in [FailMode::Closed, FailMode::Open] {
        let prefix = apishield_tests::unique_prefix("outage");
        let proxy = Proxy::start(upstream).await;
        let options = RedisOptions::default().timeout(Duration::from_millis(300)).fail_mode(mode);
        let policy = RateLimitPolicy::new(Algorithm::SlidingLog, [Window::per_hour(5)]).unwrap();
        let limiter = RedisRateLimiter::connect(&rewrite(proxy.port), policy, options).await.unwrap().prefix(&prefix);
        let key = RateLimitKey::principal("steady");
        // Decisions made while Redis is unreachable use another key: a
        // request that timed out may still reach Redis later and count.
        let probe = RateLimitKey::principal("probe");
        let failed = match mode {
            FailMode::Closed => Outcome::Unavailable,
            FailMode::Open => Outcome::Unchecked,
        };
        for _ in 0..3 {
            assert_eq!(limiter.check(&key, 1).await.unwrap().outcome(), Outcome::Allowed);
        }

        // Redis stops answering: every decision comes back within the
        // timeout, as the fail mode says.
        proxy.set(PAUSE);
        for _ in 0..3 {
            let started = Instant::now();
            let d = limiter.check(&probe, 1).await.unwrap();
            assert!(started.elapsed() < Duration::from_millis(1500), "{:?}", started.elapsed());
            assert_eq!(d.outcome(), failed, "{mode:?} while paused");
            assert_eq!(d.is_allowed(), mode == FailMode::Open);
        }
        proxy.set(FORWARD);
        // It answers again: counted, and the count went on where it was.
        assert_eq!(wait_for(&limiter, &key, |o| o != failed).await, Outcome::Allowed, "{mode:?} after the pause");

        // Redis drops every connection and refuses new ones.
        proxy.set(DOWN);
        assert_eq!(wait_for(&limiter, &probe, |o| o == failed).await, failed, "{mode:?} while down");
        for _ in 0..3 {
            assert_eq!(limiter.check(&probe, 1).await.unwrap().outcome(), failed);
        }
        proxy.set(FORWARD);
        assert_eq!(wait_for(&limiter, &key, |o| o != failed).await, Outcome::Allowed, "{mode:?} after reconnecting");
        // 3 + 1 + 1 = 5 of 5: the next one is over the limit.
        assert_eq!(limiter.check(&key, 1).await.unwrap().outcome(), Outcome::Limited, "{mode:?}");
        cleanup(&url, &prefix).await;
    }
}

#[tokio::test]
async fn limiters_with_different_policies_on_one_prefix_keep_separate_budgets() {
    let Some(url) = redis_url() else { return };
    for algorithm in ALGORITHMS {
        let prefix = apishield_tests::unique_prefix("policies");
        let login = RateLimitPolicy::new(algorithm, [Window::per_minute(5)]).unwrap();
        let search = RateLimitPolicy::new(algorithm, [Window::per_minute(100)]).unwrap();
        let login_a = RedisRateLimiter::connect(&url, login.clone(), options()).await.unwrap().prefix(&prefix);
        let search_a = RedisRateLimiter::connect(&url, search, options()).await.unwrap().prefix(&prefix);
        // Another server: its own connection, the same login policy.
        let login_b = RedisRateLimiter::connect(&url, login, options()).await.unwrap().prefix(&prefix);
        let key = RateLimitKey::client_ip("203.0.113.50".parse().unwrap());
        let allowed = |d: apishield::RateLimitDecision| d.outcome() == Outcome::Allowed;

        for _ in 0..3 {
            assert!(allowed(search_a.check(&key, 1).await.unwrap()), "{algorithm:?}");
        }
        // Three searches spent none of the login budget.
        for i in 0..5 {
            assert!(allowed(login_a.check(&key, 1).await.unwrap()), "{algorithm:?}: login {i}");
        }
        assert_eq!(login_a.check(&key, 1).await.unwrap().outcome(), Outcome::Limited, "{algorithm:?}");
        // The same policy in another process: one budget, already spent.
        assert_eq!(login_b.check(&key, 1).await.unwrap().outcome(), Outcome::Limited, "{algorithm:?}");
        // Five logins spent none of the search budget: 97 more searches pass.
        for i in 0..97 {
            assert!(allowed(search_a.check(&key, 1).await.unwrap()), "{algorithm:?}: search {i}");
        }
        assert_eq!(search_a.check(&key, 1).await.unwrap().outcome(), Outcome::Limited, "{algorithm:?}");
        assert_ne!(login_a.redis_key(&key, 0), search_a.redis_key(&key, 0));
        assert_eq!(login_a.redis_key(&key, 0), login_b.redis_key(&key, 0));
        cleanup(&url, &prefix).await;
    }
}
