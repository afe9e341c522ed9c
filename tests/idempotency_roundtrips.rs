//! Redis round trips per idempotent request: two for a fresh key (claim,
//! complete), one for a replay (claim). Counted from Redis's own command
//! statistics, so this test runs in its own binary (cargo runs test binaries
//! one after another) and counts only script calls.

use std::time::Duration;

use apishield::axum::Idempotency;
use apishield::idempotency::RedisIdempotencyStore;
use apishield::prelude::*;
use axum::Router;
use axum::routing::post;
use tower::ServiceExt;

#[idempotent(ttl = "1h")]
async fn pay(_key: IdempotencyKey) -> &'static str {
    "paid"
}

async fn script_calls(conn: &mut redis::aio::ConnectionManager) -> u64 {
    let info: String = redis::cmd("INFO").arg("commandstats").query_async(conn).await.unwrap_or_default();
    info.lines()
        .filter(|l| l.starts_with("cmdstat_evalsha:") || l.starts_with("cmdstat_eval:"))
        .filter_map(|l| l.split("calls=").nth(1)?.split(',').next()?.parse::<u64>().ok())
        .sum()
}

#[tokio::test]
async fn a_fresh_key_costs_two_round_trips_and_a_replay_one() {
    let Some(url) = apishield_tests::redis_url() else { return };
    let client = redis::Client::open(url).unwrap();
    let mut stats = client.get_connection_manager().await.unwrap();
    let store = RedisIdempotencyStore::new(client.get_connection_manager().await.unwrap())
        .prefix(apishield_tests::unique_prefix("rt"));
    let router = Router::new().route("/pay", post(pay)).with_state(Idempotency::new(store));
    let request = |key: &str| {
        let mut req =
            axum::http::Request::post("/pay").header("idempotency-key", key).body(axum::body::Body::empty()).unwrap();
        req.extensions_mut().insert(Principal::new("alice"));
        req
    };
    // Warm up: the first call of each script loads it once per Redis server.
    assert_eq!(router.clone().oneshot(request("warm")).await.unwrap().status(), 200);
    assert_eq!(router.clone().oneshot(request("warm")).await.unwrap().status(), 200);
    tokio::time::sleep(Duration::from_millis(10)).await;

    let before = script_calls(&mut stats).await;
    assert_eq!(router.clone().oneshot(request("fresh")).await.unwrap().status(), 200);
    let fresh = script_calls(&mut stats).await - before;
    let before = script_calls(&mut stats).await;
    let replayed = router.oneshot(request("fresh")).await.unwrap();
    assert_eq!(replayed.headers()["idempotent-replayed"], "true");
    let replay = script_calls(&mut stats).await - before;
    assert_eq!((fresh, replay), (2, 1), "round trips: fresh key, replay");
}
