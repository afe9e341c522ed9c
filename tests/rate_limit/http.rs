//! The `RateLimitLayer` over real HTTP on loopback: per client address and
//! per principal, tiers by role, limiters of several kinds in one layer,
//! exact under concurrency, headers on every answer, 429 without running
//! the route, 503 when Redis is down.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use apishield::axum::RateLimitLayer;
use apishield::client_addr::TrustedProxies;
use apishield::rate_limit::{MemoryRateLimiter, RateLimitPolicy, RedisOptions, RedisRateLimiter, Window};
use apishield::time::ManualClock;
use apishield_tests::http::{serve, serve_with_connect_info};
use apishield_tests::redis_url;
use axum::Router;
use axum::extract::Extension;
use axum::routing::get;

fn per_minute(n: u32) -> MemoryRateLimiter {
    MemoryRateLimiter::new(RateLimitPolicy::new(Default::default(), [Window::per_minute(n)]).unwrap())
}

#[derive(Clone, Default)]
struct Runs(Arc<AtomicUsize>);

async fn handler(Extension(runs): Extension<Runs>) -> &'static str {
    runs.0.fetch_add(1, Ordering::SeqCst);
    "ok"
}

fn app(limit: RateLimitLayer, runs: Runs) -> Router {
    Router::new().route("/orders", get(handler)).layer(limit).layer(Extension(runs))
}

struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn call(base: &str, who: Option<&str>, forwarded: Option<&str>) -> Reply {
    let mut headers = Vec::new();
    if let Some(who) = who {
        headers.push(("authorization", format!("Test {who}")));
    }
    if let Some(xff) = forwarded {
        headers.push(("x-forwarded-for", xff.to_owned()));
    }
    call_with(base, &headers).await
}

/// A request with these header lines, in order (a name may repeat).
async fn call_with(base: &str, headers: &[(&str, String)]) -> Reply {
    let mut req = reqwest::Client::new().get(format!("{base}/orders"));
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    Reply { status, headers, body: resp.text().await.unwrap() }
}

fn header<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply.headers.get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn anonymous_clients_are_limited_by_address_with_headers_on_every_answer() {
    let runs = Runs::default();
    let base =
        format!("http://{}", serve_with_connect_info(app(RateLimitLayer::new(per_minute(3)), runs.clone())).await);
    for expected_remaining in ["2", "1", "0"] {
        let reply = call(&base, None, None).await;
        assert_eq!(reply.status, 200);
        assert_eq!(header(&reply, "x-ratelimit-limit"), Some("3"));
        assert_eq!(header(&reply, "x-ratelimit-remaining"), Some(expected_remaining));
        assert_eq!(header(&reply, "ratelimit-policy"), Some(r#""minute";q=3;w=60"#));
        assert!(
            header(&reply, "ratelimit")
                .is_some_and(|v| v.starts_with(&format!(r#""minute";r={expected_remaining};t="#)))
        );
    }
    let refused = call(&base, None, None).await;
    assert_eq!(refused.status, 429);
    assert_eq!(header(&refused, "content-type"), Some("application/problem+json"));
    assert!(refused.body.contains("rate_limited"), "{}", refused.body);
    let retry: u64 = header(&refused, "retry-after").unwrap().parse().unwrap();
    // The sliding window frees a unit once the full window's weight has
    // fallen far enough, at most two windows away.
    assert!((1..=120).contains(&retry), "{retry}");
    assert_eq!(runs.0.load(Ordering::SeqCst), 3, "a refused request never reaches the route");

    // X-Forwarded-For is not trusted by default: a client cannot pick a new key.
    assert_eq!(call(&base, None, Some("198.51.100.9")).await.status, 429);
}

#[tokio::test]
async fn principals_have_their_own_budgets_and_roles_pick_the_tier() {
    let runs = Runs::default();
    let limit = RateLimitLayer::new(per_minute(2)).role("paid", per_minute(5)).anonymous(per_minute(1));
    let base = format!("http://{}", serve_with_connect_info(app(limit, runs)).await);

    let count = |who: Option<&'static str>| {
        let base = base.clone();
        async move {
            let mut ok = 0;
            for _ in 0..8 {
                if call(&base, who, None).await.status == 200 {
                    ok += 1;
                }
            }
            ok
        }
    };
    assert_eq!(count(Some("alice")).await, 2);
    assert_eq!(count(Some("bob")).await, 2, "alice's requests do not spend bob's budget");
    assert_eq!(count(Some("carol admin")).await, 2, "admin is not a tier");
    assert_eq!(count(None).await, 1);
}

/// One layer holds limiters of different types (here one on a manual clock
/// for principals, one on the system's for anonymous clients), and a limiter
/// shared through an `Arc` is one budget across two route groups.
#[tokio::test]
async fn a_layer_mixes_limiter_kinds_and_shares_one_through_an_arc() {
    let clock = ManualClock::new(1_700_000_000_000);
    let policy = RateLimitPolicy::new(Default::default(), [Window::per_minute(2)]).unwrap();
    let principals = MemoryRateLimiter::with_clock(policy, clock.clone());
    let anonymous = Arc::new(per_minute(1));
    let app = Router::new()
        .route("/orders", get(handler).layer(RateLimitLayer::new(principals).anonymous(Arc::clone(&anonymous))))
        .route("/exports", get(handler).layer(RateLimitLayer::new(Arc::clone(&anonymous))))
        .layer(Extension(Runs::default()));
    let base = format!("http://{}", serve_with_connect_info(app).await);
    let get = |path: &'static str, who: Option<&'static str>| {
        let mut req = reqwest::Client::new().get(format!("{base}{path}"));
        if let Some(who) = who {
            req = req.header("authorization", format!("Test {who}"));
        }
        async move { req.send().await.unwrap().status().as_u16() }
    };

    // Anonymous: the one unit of the shared budget, spent on /orders, is gone on /exports too.
    assert_eq!(get("/orders", None).await, 200);
    assert_eq!(get("/exports", None).await, 429);
    // A principal: its own limiter, which reads the manual clock.
    assert_eq!([get("/orders", Some("alice")).await, get("/orders", Some("alice")).await], [200, 200]);
    assert_eq!(get("/orders", Some("alice")).await, 429);
    clock.advance(Duration::from_secs(120));
    assert_eq!(get("/orders", Some("alice")).await, 200);
}

#[tokio::test]
async fn paid_tier_by_role() {
    // The test authentication only knows the admin role: use it as the tier.
    let limit = RateLimitLayer::new(per_minute(2)).role("admin", per_minute(5));
    let base = format!("http://{}", serve_with_connect_info(app(limit, Runs::default())).await);
    let mut ok = 0;
    for _ in 0..8 {
        if call(&base, Some("dana admin"), None).await.status == 200 {
            ok += 1;
        }
    }
    assert_eq!(ok, 5);
}

#[tokio::test]
async fn trusted_proxies_give_the_client_address() {
    let limit = RateLimitLayer::new(per_minute(1)).trust_forwarded_for(1);
    let base = format!("http://{}", serve_with_connect_info(app(limit, Runs::default())).await);
    assert_eq!(call(&base, None, Some("203.0.113.1")).await.status, 200);
    assert_eq!(call(&base, None, Some("203.0.113.1")).await.status, 429);
    assert_eq!(call(&base, None, Some("203.0.113.2")).await.status, 200);
    // The proxy appends the address it saw: what the client wrote before it does not count.
    assert_eq!(call(&base, None, Some("6.6.6.6, 203.0.113.2")).await.status, 429);
    // IPv6 clients are counted by /64.
    assert_eq!(call(&base, None, Some("2001:db8:1:2::1")).await.status, 200);
    assert_eq!(call(&base, None, Some("2001:db8:1:2::ffff")).await.status, 429);
}

#[tokio::test]
async fn a_malformed_forwarded_for_never_falls_back_to_the_proxy_address() {
    let limit = RateLimitLayer::new(per_minute(1)).trust_forwarded_for(1);
    let base = format!("http://{}", serve_with_connect_info(app(limit, Runs::default())).await);
    // Ports are not part of the address.
    assert_eq!(call(&base, None, Some("203.0.113.1:4711")).await.status, 200);
    assert_eq!(call(&base, None, Some("203.0.113.1:4712")).await.status, 429);
    assert_eq!(call(&base, None, Some("[2001:db8::1]:443")).await.status, 200);
    assert_eq!(call(&base, None, Some("2001:db8::2")).await.status, 429, "the same /64");
    // An entry that names no client is refused: it spends nobody's budget,
    // least of all the one every client behind the proxy would share.
    for bad in ["garbage", "unknown", "203.0.113.9:99999", "[2001:db8::1", " , "] {
        let reply = call(&base, None, Some(bad)).await;
        assert_eq!(reply.status, 400, "{bad:?}");
        assert!(reply.body.contains("invalid_forwarded_header"), "{bad:?}: {}", reply.body);
    }
    // The proxy's own request (no header) still has the proxy's full budget.
    assert_eq!(call(&base, None, None).await.status, 200);
    // Several header lines are one list, read from the right of the last.
    let lines = [("x-forwarded-for", "6.6.6.6".to_owned()), ("x-forwarded-for", "198.51.100.3".to_owned())];
    assert_eq!(call_with(&base, &lines).await.status, 200);
    assert_eq!(call(&base, None, Some("198.51.100.3")).await.status, 429);
    // Bytes that are not text, before the client's entry, are never read.
    let lines = [("x-forwarded-for", "caf\u{e9}, 198.51.100.4".to_owned())];
    assert_eq!(call_with(&base, &lines).await.status, 200);
}

#[tokio::test]
async fn trusted_proxy_networks_are_walked_from_the_right() {
    // The test client connects from 127.0.0.1: the proxy, in a trusted network.
    let proxies = TrustedProxies::parse(["127.0.0.0/8", "10.0.0.0/8"]).unwrap();
    let limit = RateLimitLayer::new(per_minute(1)).trusted_proxies(proxies.clone());
    let base = format!("http://{}", serve_with_connect_info(app(limit, Runs::default())).await);
    assert_eq!(call(&base, None, Some("6.6.6.6, 203.0.113.1, 10.0.0.2")).await.status, 200);
    // Another spoofed entry, another inner proxy: the same client.
    assert_eq!(call(&base, None, Some("7.7.7.7, 203.0.113.1:80, 10.9.9.9")).await.status, 429);
    assert_eq!(call(&base, None, Some("203.0.113.2")).await.status, 200);
    // A client inside: every hop trusted, the leftmost is the client.
    assert_eq!(call(&base, None, Some("10.1.1.1, 10.0.0.2")).await.status, 200);
    assert_eq!(call(&base, None, Some("garbage, 10.0.0.2")).await.status, 400);

    let limit = RateLimitLayer::new(per_minute(1)).trusted_proxies(proxies.forwarded());
    let base = format!("http://{}", serve_with_connect_info(app(limit, Runs::default())).await);
    let rfc = |v: &str| [("forwarded", v.to_owned())];
    assert_eq!(call_with(&base, &rfc(r#"for="[2001:db8:1::1]:443";proto=https, for=10.0.0.2"#)).await.status, 200);
    assert_eq!(call_with(&base, &rfc("for=10.0.0.5;by=10.0.0.6, for=\"[2001:db8:2::9]\"")).await.status, 200);
    assert_eq!(call_with(&base, &rfc(r#"for="[2001:db8:1::2]""#)).await.status, 429, "the same /64");
    assert_eq!(call_with(&base, &rfc("for=_mobile7")).await.status, 200, "an obfuscated client");
    assert_eq!(call_with(&base, &rfc("for=_mobile7")).await.status, 429);
    assert_eq!(call_with(&base, &rfc("for=unknown")).await.status, 400);
    // X-Forwarded-For is not read when Forwarded is: the peer is the client.
    assert_eq!(call(&base, None, Some("198.51.100.1")).await.status, 200);
    assert_eq!(call(&base, None, Some("198.51.100.2")).await.status, 429);

    // A peer outside the trusted networks: its header is not read at all.
    let only_tens = TrustedProxies::parse(["10.0.0.0/8"]).unwrap();
    let limit = RateLimitLayer::new(per_minute(1)).trusted_proxies(only_tens);
    let base = format!("http://{}", serve_with_connect_info(app(limit, Runs::default())).await);
    assert_eq!(call(&base, None, Some("203.0.113.1")).await.status, 200);
    assert_eq!(call(&base, None, Some("203.0.113.2")).await.status, 429);
    assert_eq!(call(&base, None, Some("garbage")).await.status, 429, "not read, so not malformed");
}

#[tokio::test]
async fn concurrent_requests_over_http_admit_exactly_the_limit() {
    let runs = Runs::default();
    let base = format!("http://{}", serve(app(RateLimitLayer::new(per_minute(50)), runs.clone())).await);
    let tasks: Vec<_> = (0..300)
        .map(|_| {
            let base = base.clone();
            tokio::spawn(async move { call(&base, Some("hot"), None).await.status })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            200 => ok += 1,
            429 => {}
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(ok, 50);
    assert_eq!(runs.0.load(Ordering::SeqCst), 50);
}

#[tokio::test]
async fn redis_shared_by_two_servers_and_503_when_it_is_down() {
    if let Some(url) = redis_url() {
        let prefix = apishield_tests::unique_prefix("rl-http");
        let options = RedisOptions::default().timeout(Duration::from_secs(5));
        let policy = RateLimitPolicy::new(Default::default(), [Window::per_minute(4)]).unwrap();
        // Two limiters, two connections: two server processes as far as Redis can tell.
        let limiter_a = RedisRateLimiter::connect(&url, policy.clone(), options.clone()).await.unwrap().prefix(&prefix);
        let limiter_b = RedisRateLimiter::connect(&url, policy, options).await.unwrap().prefix(&prefix);
        let a = format!("http://{}", serve(app(RateLimitLayer::new(limiter_a), Runs::default())).await);
        let b = format!("http://{}", serve(app(RateLimitLayer::new(limiter_b), Runs::default())).await);
        let mut ok = 0;
        for i in 0..10 {
            if call(if i % 2 == 0 { &a } else { &b }, Some("shared"), None).await.status == 200 {
                ok += 1;
            }
        }
        assert_eq!(ok, 4, "one budget across both servers");
    }

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let options = RedisOptions::default().timeout(Duration::from_millis(300));
    let down = RedisRateLimiter::connect(&format!("redis://127.0.0.1:{port}"), RateLimitPolicy::free(), options)
        .await
        .unwrap();
    let runs = Runs::default();
    let base = format!("http://{}", serve(app(RateLimitLayer::new(down), runs.clone())).await);
    let reply = call(&base, Some("alice"), None).await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert!(header(&reply, "retry-after").is_some());
    assert_eq!(runs.0.load(Ordering::SeqCst), 0);
}

/// `RateLimitLayer::decide`, outside a tower stack, asks its limiter as the
/// layer does: in place (memory), or over the network (Redis), where two
/// instances' layers on one Redis share one budget.
#[tokio::test]
async fn decide_outside_a_stack_counts_as_the_layer_does() {
    let policy = RateLimitPolicy::new(Default::default(), [Window::per_minute(3)]).unwrap();
    let alice = apishield::Principal::new("alice");
    let headers = axum::http::HeaderMap::new();
    let allowed = |d: apishield::axum::Decided| d.decision().is_some_and(|d| d.is_allowed());
    let memory = RateLimitLayer::new(MemoryRateLimiter::new(policy.clone()));
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(allowed(memory.decide(&headers, None, Some(&alice)).await));
    }
    assert_eq!(seen, [true, true, true, false]);

    let Some(url) = redis_url() else { return };
    let prefix = apishield_tests::unique_prefix("rl-decide");
    let options = RedisOptions::default().timeout(Duration::from_secs(5));
    let a = RedisRateLimiter::connect(&url, policy.clone(), options.clone()).await.unwrap().prefix(&prefix);
    let b = RedisRateLimiter::connect(&url, policy, options).await.unwrap().prefix(&prefix);
    let (a, b) = (RateLimitLayer::new(a), RateLimitLayer::new(b));
    let mut seen = Vec::new();
    for i in 0..4 {
        let layer = if i % 2 == 0 { &a } else { &b };
        seen.push(allowed(layer.decide(&headers, None, Some(&alice)).await));
    }
    assert_eq!(seen, [true, true, true, false], "one budget across both instances");
}
