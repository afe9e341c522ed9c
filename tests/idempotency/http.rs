//! `#[idempotent]` over real HTTP on loopback: the IETF draft's status codes,
//! replay, scoping, concurrency and outages, with the memory store and with
//! Redis shared by two server instances. Disconnects, crashes, slow
//! handlers, large responses and floods are in `idempotency_exactly_once.rs`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use apishield::axum::{ApiError, SecureJson};
use apishield::axum::{BodyLimit, Idempotency};
use apishield::idempotency::RedisIdempotencyStore;
use apishield::prelude::*;
use apishield_tests::http::serve;
use axum::Router;
use axum::extract::Extension;
use axum::http::StatusCode;
use axum::routing::post;

#[secure_request]
pub struct CreatePayment {
    #[shield(range = 1..=1_000_000)]
    pub amount_cents: u64,
    #[shield(range = 0..=2_000)]
    pub delay_ms: Option<u64>,
    pub fail: Option<bool>,
}

#[secure_response]
pub struct Payment {
    pub id: usize,
    pub amount_cents: u64,
    pub by: String,
}

/// How many times the handler's body ran.
#[derive(Clone, Default)]
struct Runs(Arc<AtomicUsize>);

#[idempotent(ttl = "1h", lock = "2s")]
async fn create_payment(
    _key: IdempotencyKey,
    principal: Principal,
    Extension(runs): Extension<Runs>,
    SecureJson(req): SecureJson<CreatePayment>,
) -> Result<(StatusCode, SecureJson<Payment>), ApiError> {
    let id = runs.0.fetch_add(1, Ordering::SeqCst) + 1;
    if let Some(ms) = req.delay_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    if req.fail == Some(true) {
        return Err(ApiError::unavailable());
    }
    Ok((
        StatusCode::CREATED,
        SecureJson(Payment { id, amount_cents: req.amount_cents, by: principal.subject().into() }),
    ))
}

fn app(store: Idempotency, runs: Runs) -> Router {
    Router::new().route("/payments", post(create_payment)).layer(Extension(runs)).with_state(store)
}

struct Api {
    http: reqwest::Client,
    base: String,
}

struct Reply {
    status: u16,
    replayed: bool,
    body: Vec<u8>,
}

impl Api {
    fn at(addr: std::net::SocketAddr) -> Api {
        Api { http: reqwest::Client::new(), base: format!("http://{addr}") }
    }

    async fn post(&self, path: &str, user: &str, key: Option<&str>, body: &str) -> Reply {
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("authorization", format!("Test {user}"))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(k) = key {
            req = req.header("idempotency-key", k);
        }
        let res = req.send().await.expect("request");
        let replayed = res.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
        Reply { status: res.status().as_u16(), replayed, body: res.bytes().await.expect("body").to_vec() }
    }
}

async fn memory_api() -> (Api, Runs) {
    let runs = Runs::default();
    let addr = serve(app(Idempotency::memory().max_response_bytes(16 * 1024), runs.clone())).await;
    (Api::at(addr), runs)
}

const PAY: &str = r#"{"amount_cents":500}"#;

#[tokio::test]
async fn a_missing_or_malformed_key_is_400_and_nothing_runs() {
    let (api, runs) = memory_api().await;
    assert_eq!(api.post("/payments", "alice", None, PAY).await.status, 400);
    for bad in ["", "\"unterminated", "has space", &"k".repeat(256)] {
        assert_eq!(api.post("/payments", "alice", Some(bad), PAY).await.status, 400, "{bad:?}");
    }
    assert_eq!(runs.0.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_retry_replays_the_first_response_byte_for_byte() {
    let (api, runs) = memory_api().await;
    let first = api.post("/payments", "alice", Some("pay-1"), PAY).await;
    assert_eq!((first.status, first.replayed), (201, false));
    // Bare and structured-field forms are the same key.
    let again = api.post("/payments", "alice", Some("\"pay-1\""), PAY).await;
    assert_eq!((again.status, again.replayed), (201, true));
    assert_eq!(again.body, first.body);
    assert_eq!(runs.0.load(Ordering::SeqCst), 1);
}

/// A router without state has the process's memory store, and its body
/// limit is the route's `BodyLimit`: 413 before anything is claimed.
#[tokio::test]
async fn a_stateless_router_keeps_records_in_the_process_and_reads_the_route_body_limit() {
    let runs = Runs::default();
    let router = Router::new()
        .route("/payments", post(create_payment))
        .route("/small", post(create_payment).layer(Extension(BodyLimit(8))))
        .layer(Extension(runs.clone()));
    let api = Api::at(serve(router).await);
    let first = api.post("/payments", "alice", Some("stateless-1"), PAY).await;
    let again = api.post("/payments", "alice", Some("stateless-1"), PAY).await;
    assert_eq!((first.status, again.status, again.replayed), (201, 201, true));
    assert_eq!(api.post("/small", "alice", Some("stateless-2"), PAY).await.status, 413);
    assert_eq!(runs.0.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn the_same_key_for_another_request_is_422() {
    let (api, runs) = memory_api().await;
    assert_eq!(api.post("/payments", "alice", Some("k"), PAY).await.status, 201);
    let other = api.post("/payments", "alice", Some("k"), r#"{"amount_cents":501}"#).await;
    assert_eq!(other.status, 422);
    assert!(String::from_utf8_lossy(&other.body).contains("idempotency_key_reused"));
    assert_eq!(runs.0.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_retry_while_the_first_runs_is_409() {
    let (api, runs) = memory_api().await;
    let api = Arc::new(api);
    let slow = {
        let api = api.clone();
        tokio::spawn(async move {
            api.post("/payments", "alice", Some("slow"), r#"{"amount_cents":5,"delay_ms":500}"#).await
        })
    };
    tokio::time::sleep(Duration::from_millis(150)).await;
    let during = api.post("/payments", "alice", Some("slow"), r#"{"amount_cents":5,"delay_ms":500}"#).await;
    assert_eq!(during.status, 409);
    assert_eq!(slow.await.unwrap().status, 201);
    assert_eq!(runs.0.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn keys_are_scoped_to_the_principal() {
    let (api, runs) = memory_api().await;
    let alice = api.post("/payments", "alice", Some("shared"), PAY).await;
    let bob = api.post("/payments", "bob", Some("shared"), PAY).await;
    assert_eq!((alice.status, bob.status, bob.replayed), (201, 201, false));
    assert!(String::from_utf8_lossy(&bob.body).contains(r#""by":"bob""#));
    assert_eq!(runs.0.load(Ordering::SeqCst), 2);
    assert_eq!(api.post("/payments", "alice", Some("anon"), PAY).await.status, 201);
}

#[tokio::test]
async fn a_server_error_frees_the_key_for_a_retry() {
    let (api, runs) = memory_api().await;
    let failed = api.post("/payments", "alice", Some("flaky"), r#"{"amount_cents":5,"fail":true}"#).await;
    assert_eq!(failed.status, 503);
    let retried = api.post("/payments", "alice", Some("flaky"), r#"{"amount_cents":5,"fail":true}"#).await;
    assert_eq!((retried.status, retried.replayed), (503, false));
    assert_eq!(runs.0.load(Ordering::SeqCst), 2, "a 5xx is not replayed: the retry ran");
}

/// As Stripe does: a body refused by validation never started the handler,
/// so no result is kept; the same request validates again, and the
/// corrected one runs under the same key.
#[tokio::test]
async fn invalid_bodies_are_answered_and_not_kept() {
    let (api, runs) = memory_api().await;
    let bad = api.post("/payments", "alice", Some("bad"), r#"{"amount_cents":0}"#).await;
    assert_eq!(bad.status, 422);
    let again = api.post("/payments", "alice", Some("bad"), r#"{"amount_cents":0}"#).await;
    assert_eq!((again.status, again.replayed, again.body == bad.body), (422, false, true));
    assert_eq!(runs.0.load(Ordering::SeqCst), 0, "the handler body never ran");
    let corrected = api.post("/payments", "alice", Some("bad"), PAY).await;
    assert_eq!((corrected.status, corrected.replayed), (201, false));
    assert_eq!(runs.0.load(Ordering::SeqCst), 1);
}

/// Many concurrent requests with one key: the body runs exactly once; every
/// other request gets the replay or 409.
async fn exactly_once(apis: Vec<Api>, runs: &[Runs], requests: usize) {
    let apis: Vec<Arc<Api>> = apis.into_iter().map(Arc::new).collect();
    let mut tasks = Vec::new();
    for i in 0..requests {
        let api = apis[i % apis.len()].clone();
        tasks.push(tokio::spawn(async move {
            api.post("/payments", "alice", Some("the-one"), r#"{"amount_cents":7,"delay_ms":200}"#).await
        }));
    }
    let mut created = 0;
    let mut first_body = None;
    for t in tasks {
        let reply = t.await.unwrap();
        match (reply.status, reply.replayed) {
            (201, false) => {
                created += 1;
                first_body = Some(reply.body);
            }
            (201, true) => {
                if let Some(b) = &first_body {
                    assert_eq!(&reply.body, b);
                }
            }
            (409, _) => {}
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(runs.iter().map(|r| r.0.load(Ordering::SeqCst)).sum::<usize>(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_retries_run_the_body_once_in_memory() {
    let (api, runs) = memory_api().await;
    exactly_once(vec![api], &[runs], 1000).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_retries_across_two_servers_run_the_body_once_with_redis() {
    let prefix = apishield_tests::unique_prefix("idem");
    let (Some(a), Some(b)) = (crate::redis_store(&prefix).await, crate::redis_store(&prefix).await) else { return };
    let (runs_a, runs_b) = (Runs::default(), Runs::default());
    let server_a = serve(app(Idempotency::new(a), runs_a.clone())).await;
    let server_b = serve(app(Idempotency::new(b), runs_b.clone())).await;
    exactly_once(vec![Api::at(server_a), Api::at(server_b)], &[runs_a, runs_b], 1000).await;
}

#[tokio::test]
async fn redis_replays_across_servers_and_scopes_by_principal() {
    let prefix = apishield_tests::unique_prefix("idem");
    let (Some(a), Some(b)) = (crate::redis_store(&prefix).await, crate::redis_store(&prefix).await) else { return };
    let runs = Runs::default();
    let api_a = Api::at(serve(app(Idempotency::new(a), runs.clone())).await);
    let api_b = Api::at(serve(app(Idempotency::new(b), runs.clone())).await);
    let first = api_a.post("/payments", "alice", Some("k1"), PAY).await;
    let replay = api_b.post("/payments", "alice", Some("k1"), PAY).await;
    assert_eq!((first.status, replay.status, replay.replayed), (201, 201, true));
    assert_eq!(replay.body, first.body);
    assert_eq!(api_b.post("/payments", "alice", Some("k1"), r#"{"amount_cents":9}"#).await.status, 422);
    assert!(!api_b.post("/payments", "bob", Some("k1"), PAY).await.replayed);
    assert_eq!(runs.0.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn when_redis_is_down_requests_get_503_and_nothing_runs_then_recover() {
    let Some(url) = apishield_tests::redis_url() else { return };
    let upstream =
        url.trim_start_matches("redis://").trim_end_matches('/').parse().unwrap_or(([127, 0, 0, 1], 6379).into());
    let proxy = apishield_tests::proxy::Proxy::start(upstream).await.unwrap();
    let client = redis::Client::open(format!("redis://{}", proxy.addr())).unwrap();
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_millis(300)))
        .set_response_timeout(Some(Duration::from_millis(300)))
        .set_number_of_retries(1);
    let conn = client.get_connection_manager_with_config(config).await.unwrap();
    let runs = Runs::default();
    let store = RedisIdempotencyStore::new(conn).prefix(apishield_tests::unique_prefix("idem"));
    let api = Api::at(serve(app(Idempotency::new(store), runs.clone())).await);
    assert_eq!(api.post("/payments", "alice", Some("before"), PAY).await.status, 201);
    proxy.stop().await;
    let down = api.post("/payments", "alice", Some("during"), PAY).await;
    assert_eq!(down.status, 503);
    assert_eq!(runs.0.load(Ordering::SeqCst), 1, "the handler never runs without the store");
    proxy.restart().await.unwrap();
    let mut recovered = 0;
    for _ in 0..50 {
        recovered = api.post("/payments", "alice", Some("after"), PAY).await.status;
        if recovered == 201 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(recovered, 201, "back once Redis answers again");
}
