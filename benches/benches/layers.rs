//! The cost of the `Authentication` and `RateLimit` layers on a trivial
//! axum handler, against the bare handler, all called through axum's
//! service (`Router::oneshot`, no network):
//!
//! * `bare`: the handler alone;
//! * `api_key`: `Authentication` with an API key (memory store, 10 000 keys);
//! * `jwt_hs256`: `Authentication` with an HS256 bearer token;
//! * `api_key_rate_limited`: the API key, then a memory `RateLimit` per
//!   principal (a budget no run exhausts).
//!
//! ```text
//! cargo bench -p apishield-benches --bench layers
//! ```

use std::hint::black_box;

use apishield::auth::api_key::{ApiKeyEnvironment, ApiKeyIssuer, ApiKeyKind, ApiKeyVerifier, MemoryApiKeyStore};
use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtIssuer, JwtKey, JwtSigningKey, JwtValidator};
use apishield::axum::{AuthenticationLayer, RateLimitLayer};
use apishield::prelude::*;
use apishield::rate_limit::{Algorithm, MemoryRateLimiter, Window};
use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use tower::ServiceExt;

async fn handler(principal: Option<Principal>) -> &'static str {
    black_box(principal);
    "{\"ok\":true}"
}

fn request(authorization: &str) -> Request<Body> {
    Request::get("/").header("authorization", authorization).body(Body::empty()).unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");

    let store = MemoryApiKeyStore::new();
    let issuer = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live);
    let key = rt
        .block_on(async {
            for i in 0..10_000 {
                issuer.issue(ApiKeyKind::Secret, &format!("user-{i}"), ["orders:read"]).await.expect("issue");
            }
            issuer.issue(ApiKeyKind::Secret, "alice", ["orders:read"]).await
        })
        .expect("issue")
        .0;
    let api_key_header = format!("ApiKey {}", key.expose_secret());

    let secret = HmacSecret::generate().expect("secret");
    let jwt = JwtIssuer::new(
        JwtSigningKey::hmac(JwtAlgorithm::HS256, &secret).expect("key"),
        "https://auth.example.com",
        "bench",
    );
    let validator = JwtValidator::builder(JwtKey::hmac(JwtAlgorithm::HS256, &secret).expect("key"))
        .issuer("https://auth.example.com")
        .audience("bench")
        .build();
    let bearer_header = format!("Bearer {}", jwt.issue("alice").expect("token").expose_secret());

    let auth = AuthenticationLayer::new().jwt(validator).api_keys(ApiKeyVerifier::new(store, ApiKeyEnvironment::Live));
    let policy = RateLimitPolicy::new(Algorithm::SlidingWindow, [Window::per_second(apishield::rate_limit::MAX_QUOTA)])
        .expect("policy");
    let bare = Router::new().route("/", get(handler));
    let authenticated = Router::new().route("/", get(handler)).layer(auth.clone());
    let limited =
        Router::new().route("/", get(handler)).layer(RateLimitLayer::new(MemoryRateLimiter::new(policy))).layer(auth);

    // Every variant must really be authenticated (200), not refused.
    for router in [&authenticated, &limited] {
        let status = rt.block_on(router.clone().oneshot(request(&api_key_header))).map(|r| r.status().as_u16());
        assert_eq!(status.ok(), Some(200));
    }
    let status = rt.block_on(authenticated.clone().oneshot(request(&bearer_header))).map(|r| r.status().as_u16());
    assert_eq!(status.ok(), Some(200));

    let mut group = c.benchmark_group("layers");
    group.bench_function("bare", |b| {
        b.iter(|| rt.block_on(bare.clone().oneshot(black_box(request(&api_key_header)))));
    });
    group.bench_function("api_key", |b| {
        b.iter(|| rt.block_on(authenticated.clone().oneshot(black_box(request(&api_key_header)))));
    });
    group.bench_function("jwt_hs256", |b| {
        b.iter(|| rt.block_on(authenticated.clone().oneshot(black_box(request(&bearer_header)))));
    });
    group.bench_function("api_key_rate_limited", |b| {
        b.iter(|| rt.block_on(limited.clone().oneshot(black_box(request(&api_key_header)))));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
