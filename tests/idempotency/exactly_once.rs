//! `#[idempotent]` where it meets the rest of the world: a client that hangs
//! up mid-request, a handler slower than its lock, a server process that
//! dies mid-request, the same key on another path or query, responses too
//! large to keep, the headers a replay repeats, a tenant flooding the store.
//! Over real HTTP on loopback, with the memory store and with Redis shared
//! by two server instances.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use apishield::axum::Idempotency;
use apishield::axum::{ApiError, SecureJson};
use apishield::idempotency::MemoryIdempotencyStore;
use apishield::prelude::*;
use apishield_tests::http::serve;
use axum::Router;
use axum::body::Body;
use axum::extract::{Extension, Path};
use axum::http::{HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures_util::future::BoxFuture;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[secure_request]
pub struct Work {
    #[shield(range = 0..=10_000)]
    pub delay_ms: u64,
}

/// How many times a handler started, and how many times it ran to its end.
#[derive(Clone, Default)]
struct Runs {
    started: Arc<AtomicUsize>,
    finished: Arc<AtomicUsize>,
}

impl Runs {
    fn started(&self) -> usize {
        self.started.load(Ordering::SeqCst)
    }
    fn finished(&self) -> usize {
        self.finished.load(Ordering::SeqCst)
    }
}

async fn work(runs: &Runs, delay_ms: u64) -> usize {
    let n = runs.started.fetch_add(1, Ordering::SeqCst) + 1;
    tokio::time::sleep(Duration::from_millis(delay_ms)).await;
    runs.finished.fetch_add(1, Ordering::SeqCst);
    n
}

/// A refund: takes `delay_ms`, its lock is 1 s.
#[idempotent(ttl = "1h", lock = "1s")]
async fn refund(
    _key: IdempotencyKey,
    Extension(runs): Extension<Runs>,
    SecureJson(req): SecureJson<Work>,
) -> (StatusCode, String) {
    let n = work(&runs, req.delay_ms).await;
    (StatusCode::CREATED, format!("refund #{n}"))
}

/// A refund that answers without waiting: in the flow it runs in place,
/// in the first poll, with no task of its own.
#[idempotent(ttl = "1h", lock = "1s")]
async fn quick_refund(_key: IdempotencyKey, Extension(runs): Extension<Runs>) -> (StatusCode, String) {
    let n = runs.started.fetch_add(1, Ordering::SeqCst) + 1;
    runs.finished.fetch_add(1, Ordering::SeqCst);
    (StatusCode::CREATED, format!("refund #{n}"))
}

/// A refund whose record lives a second, as long as its lock: a handler
/// that runs longer must keep its record as well as its lock.
#[idempotent(ttl = "1s", lock = "1s")]
async fn short_lived_refund(
    _key: IdempotencyKey,
    Extension(runs): Extension<Runs>,
    SecureJson(req): SecureJson<Work>,
) -> (StatusCode, String) {
    let n = work(&runs, req.delay_ms).await;
    (StatusCode::CREATED, format!("refund #{n}"))
}

/// A payment the provider declines: a 4xx the handler's code answers.
#[idempotent]
async fn declined_payment(_key: IdempotencyKey, Extension(runs): Extension<Runs>) -> (StatusCode, &'static str) {
    runs.started.fetch_add(1, Ordering::SeqCst);
    (StatusCode::PAYMENT_REQUIRED, "declined")
}

/// The same, safe to repeat: an abandoned request runs again.
#[idempotent(ttl = "1h", lock = "1s", rerun_abandoned)]
async fn recount(
    _key: IdempotencyKey,
    Extension(runs): Extension<Runs>,
    SecureJson(req): SecureJson<Work>,
) -> (StatusCode, String) {
    let n = work(&runs, req.delay_ms).await;
    (StatusCode::CREATED, format!("recount #{n}"))
}

/// Safe to repeat, and its work happens as its body is read: six chunks,
/// 400 ms apart (a report from a cursor, a proxied upstream answer).
#[idempotent(ttl = "1h", lock = "1s", rerun_abandoned)]
async fn streamed_recount(_key: IdempotencyKey, Extension(runs): Extension<Runs>) -> Body {
    runs.started.fetch_add(1, Ordering::SeqCst);
    let chunks = futures_util::stream::unfold(0u8, move |n| {
        let runs = runs.clone();
        async move {
            if n == 6 {
                runs.finished.fetch_add(1, Ordering::SeqCst);
                return None;
            }
            tokio::time::sleep(Duration::from_millis(400)).await;
            Some((Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b'r'; 1024])), n + 1))
        }
    });
    Body::from_stream(chunks)
}

/// A handler whose body panics when it is read.
#[idempotent]
async fn panicky_body(_key: IdempotencyKey, Extension(runs): Extension<Runs>) -> Body {
    runs.started.fetch_add(1, Ordering::SeqCst);
    let chunks =
        futures_util::stream::poll_fn(|_| -> std::task::Poll<Option<Result<axum::body::Bytes, std::io::Error>>> {
            panic!("the body's source failed")
        });
    Body::from_stream(chunks)
}

#[idempotent]
async fn charge(_key: IdempotencyKey, Path(account): Path<u64>, Extension(runs): Extension<Runs>) -> String {
    let n = work(&runs, 0).await;
    format!("charged account {account} (#{n})")
}

/// 64 KiB, over the 16 KiB the test stores keep, with a `Location`.
#[idempotent]
async fn export(_key: IdempotencyKey, Extension(runs): Extension<Runs>) -> Response {
    work(&runs, 0).await;
    (StatusCode::CREATED, [(header::LOCATION, "/exports/1")], "x".repeat(64 * 1024)).into_response()
}

/// A streamed body of `n` KiB, its size unknown in advance.
fn streamed(kib: usize) -> Body {
    let chunks = (0..kib).map(|_| Ok::<_, std::io::Error>(axum::body::Bytes::from(vec![b'y'; 1024])));
    Body::from_stream(futures_util::stream::iter(chunks))
}

#[idempotent]
async fn stream_big(_key: IdempotencyKey, Extension(runs): Extension<Runs>) -> Body {
    work(&runs, 0).await;
    streamed(64)
}

#[idempotent]
async fn stream_small(_key: IdempotencyKey, Extension(runs): Extension<Runs>) -> Body {
    work(&runs, 0).await;
    streamed(4)
}

/// What a created resource answers with, plus a cookie that must never be replayed.
#[idempotent]
async fn create_order(_key: IdempotencyKey, Extension(runs): Extension<Runs>) -> Response {
    let n = work(&runs, 0).await;
    (
        StatusCode::CREATED,
        [
            (header::LOCATION, format!("/orders/{n}")),
            (header::ETAG, format!("\"v{n}\"")),
            (header::LINK, "</orders>; rel=\"collection\"".to_owned()),
            (header::SET_COOKIE, format!("session=secret-{n}; HttpOnly")),
            (HeaderName::from_static("x-order-version"), n.to_string()),
            (HeaderName::from_static("x-debug"), "internal".to_owned()),
        ],
        format!("{{\"id\":{n}}}"),
    )
        .into_response()
}

/// Fails after its side effect: its 5xx is kept, not retried.
#[idempotent(keep_server_errors)]
async fn settle(_key: IdempotencyKey, Extension(runs): Extension<Runs>) -> Result<String, ApiError> {
    work(&runs, 0).await;
    Err(ApiError::internal("the ledger answered late"))
}

fn app(store: Idempotency, runs: Runs) -> Router {
    Router::new()
        .route("/refunds", post(refund))
        .route("/refunds/quick", post(quick_refund))
        .route("/refunds/short-lived", post(short_lived_refund))
        .route("/recounts", post(recount))
        .route("/payments/declined", post(declined_payment))
        .route("/recounts/streamed", post(streamed_recount))
        .route("/refunds/panicky-body", post(panicky_body))
        .route("/accounts/{id}/charge", post(charge))
        .route("/exports", post(export))
        .route("/streams/big", post(stream_big))
        .route("/streams/small", post(stream_small))
        .route("/orders", post(create_order))
        .route("/settlements", post(settle))
        .layer(Extension(runs))
        .with_state(store.max_response_bytes(16 * 1024).replay_header(HeaderName::from_static("x-order-version")))
}

struct Reply {
    status: u16,
    replayed: bool,
    headers: axum::http::HeaderMap,
    body: String,
}

async fn send(addr: SocketAddr, path: &str, user: &str, key: &str, body: &str) -> Reply {
    let res = reqwest::Client::new()
        .post(format!("http://{addr}{path}"))
        .header("authorization", format!("Test {user}"))
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(body.to_owned())
        .send()
        .await
        .expect("request");
    let replayed = res.headers().get("idempotent-replayed").is_some_and(|v| v == "true");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    Reply { status, replayed, headers, body: res.text().await.expect("body") }
}

fn work_body(delay_ms: u64) -> String {
    format!(r#"{{"delay_ms":{delay_ms}}}"#)
}

/// Two servers for one test: on the memory store they share one store; on
/// Redis each has its own connection to the same records.
async fn two_servers(redis: bool) -> Option<(SocketAddr, SocketAddr, Runs)> {
    let runs = Runs::default();
    let (a, b) = if redis {
        let prefix = apishield_tests::unique_prefix("idem-once");
        (Idempotency::new(crate::redis_store(&prefix).await?), Idempotency::new(crate::redis_store(&prefix).await?))
    } else {
        let store = Idempotency::memory();
        (store.clone(), store)
    };
    Some((serve(app(a, runs.clone())).await, serve(app(b, runs.clone())).await, runs))
}

// 1. A client that hangs up mid-request.

async fn hang_up_mid_request(addr: SocketAddr, path: &str, body: &str) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "POST {path} HTTP/1.1\r\nhost: test\r\nauthorization: Test alice\r\nidempotency-key: hang-up\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    tokio::time::sleep(Duration::from_millis(150)).await;
    // Gone before the answer: hyper drops the request's future.
    drop(stream);
}

async fn a_client_that_hangs_up_does_not_make_the_handler_run_twice(redis: bool) {
    let Some((server, other, runs)) = two_servers(redis).await else { return };
    hang_up_mid_request(server, "/refunds", &work_body(600)).await;
    // Past the handler's end and past its 1 s lock.
    tokio::time::sleep(Duration::from_millis(1700)).await;
    assert_eq!((runs.started(), runs.finished()), (1, 1), "the handler ran to its end although the client left");
    let retry = send(other, "/refunds", "alice", "hang-up", &work_body(600)).await;
    assert_eq!((retry.status, retry.replayed, retry.body.as_str()), (201, true, "refund #1"));
    assert_eq!(runs.started(), 1, "the retry got the recorded answer, no second refund");
}

#[tokio::test]
async fn a_client_that_hangs_up_does_not_make_the_handler_run_twice_in_memory() {
    a_client_that_hangs_up_does_not_make_the_handler_run_twice(false).await;
}

#[tokio::test]
async fn a_client_that_hangs_up_does_not_make_the_handler_run_twice_with_redis() {
    a_client_that_hangs_up_does_not_make_the_handler_run_twice(true).await;
}

/// A handler that answers without waiting runs in place, in the flow's
/// first poll, and its outcome is recorded there (memory) or in a task
/// spawned in that same poll (Redis, where recording waits): the client's
/// hang-up loses nothing, and the retry on the other server is a replay.
async fn a_client_that_hangs_up_on_a_quick_handler_gets_its_answer_replayed(redis: bool) {
    let Some((server, other, runs)) = two_servers(redis).await else { return };
    hang_up_mid_request(server, "/refunds/quick", "").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!((runs.started(), runs.finished()), (1, 1));
    let retry = send(other, "/refunds/quick", "alice", "hang-up", "").await;
    assert_eq!((retry.status, retry.replayed, retry.body.as_str()), (201, true, "refund #1"));
    assert_eq!(runs.started(), 1);
}

#[tokio::test]
async fn a_client_that_hangs_up_on_a_quick_handler_gets_its_answer_replayed_in_memory() {
    a_client_that_hangs_up_on_a_quick_handler_gets_its_answer_replayed(false).await;
}

#[tokio::test]
async fn a_client_that_hangs_up_on_a_quick_handler_gets_its_answer_replayed_with_redis() {
    a_client_that_hangs_up_on_a_quick_handler_gets_its_answer_replayed(true).await;
}

/// The raw exchange still works when the client stays: the hang-up test
/// above is about the hang-up, not about a malformed request.
#[tokio::test]
async fn the_raw_request_of_the_hang_up_test_is_answered_when_the_client_stays() {
    let Some((server, _, runs)) = two_servers(false).await else { return };
    let body = work_body(10);
    let mut stream = tokio::net::TcpStream::connect(server).await.expect("connect");
    let request = format!(
        "POST /refunds HTTP/1.1\r\nhost: test\r\nauthorization: Test alice\r\nidempotency-key: stays\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.expect("read");
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert_eq!(runs.finished(), 1);
}

// 2. A handler slower than its lock; a process that dies mid-request.

/// Sends `body` to `path` with `key` on one server and, after each of
/// `waits` (ms) while it runs, the same request to the other server, which
/// must answer 409 "in progress"; then, once the first answered, once more.
/// The first answer, the last one, and the runs.
async fn in_progress_while_the_first_runs(
    redis: bool,
    path: &'static str,
    key: &'static str,
    body: String,
    waits: &[u64],
) -> Option<(Reply, Reply, Runs)> {
    let (server, other, runs) = two_servers(redis).await?;
    let sent = body.clone();
    let slow = tokio::spawn(async move { send(server, path, "alice", key, &sent).await });
    for wait in waits {
        tokio::time::sleep(Duration::from_millis(*wait)).await;
        let during = send(other, path, "alice", key, &body).await;
        assert_eq!(during.status, 409, "{}", during.body);
        assert!(during.body.contains("idempotency_request_in_progress"), "{}", during.body);
    }
    let first = slow.await.expect("first request");
    let after = send(other, path, "alice", key, &body).await;
    Some((first, after, runs))
}

async fn a_handler_slower_than_its_lock_runs_once(redis: bool) {
    // Twice past the 1 s lock while the handler still runs: renewed, so in progress.
    let waits = [1300, 900];
    let Some((first, after, runs)) =
        in_progress_while_the_first_runs(redis, "/refunds", "slow", work_body(2500), &waits).await
    else {
        return;
    };
    assert_eq!((first.status, first.replayed), (201, false));
    assert_eq!((after.status, after.replayed, after.body), (201, true, first.body));
    assert_eq!(runs.started(), 1);
}

#[tokio::test]
async fn a_handler_slower_than_its_lock_runs_once_in_memory() {
    a_handler_slower_than_its_lock_runs_once(false).await;
}

#[tokio::test]
async fn a_handler_slower_than_its_lock_runs_once_with_redis() {
    a_handler_slower_than_its_lock_runs_once(true).await;
}

/// The record's `ttl` counts from its last renewal while the handler runs:
/// a record that expired under a running handler would let a retry start
/// a second run (Redis expired it at `ttl` from the claim).
async fn a_handler_slower_than_its_record_ttl_runs_once(redis: bool) {
    // Past the 1 s ttl, twice, while the handler still runs.
    let waits = [1400, 700];
    let Some((first, after, runs)) =
        in_progress_while_the_first_runs(redis, "/refunds/short-lived", "outlives", work_body(2500), &waits).await
    else {
        return;
    };
    assert_eq!((first.status, first.replayed), (201, false));
    assert_eq!((after.status, after.replayed, after.body), (201, true, first.body), "the outcome was kept");
    assert_eq!(runs.started(), 1);
}

#[tokio::test]
async fn a_handler_slower_than_its_record_ttl_runs_once_in_memory() {
    a_handler_slower_than_its_record_ttl_runs_once(false).await;
}

#[tokio::test]
async fn a_handler_slower_than_its_record_ttl_runs_once_with_redis() {
    a_handler_slower_than_its_record_ttl_runs_once(true).await;
}

/// A body that does its work as it is read keeps the lock while it is:
/// the request is "in progress" until its body ends, and a route that
/// re-runs abandoned requests does not take a live one for abandoned.
async fn a_body_read_slower_than_the_lock_keeps_it(redis: bool) {
    // Past the 1 s lock, twice, while the body is still being read.
    let waits = [1500, 600];
    let Some((first, after, runs)) =
        in_progress_while_the_first_runs(redis, "/recounts/streamed", "streamed", String::new(), &waits).await
    else {
        return;
    };
    assert_eq!((first.status, first.body.len()), (200, 6 * 1024));
    assert_eq!((after.replayed, after.body), (true, first.body));
    assert_eq!(runs.started(), 1, "the request was not re-run as abandoned");
}

#[tokio::test]
async fn a_body_read_slower_than_the_lock_keeps_it_in_memory() {
    a_body_read_slower_than_the_lock_keeps_it(false).await;
}

#[tokio::test]
async fn a_body_read_slower_than_the_lock_keeps_it_with_redis() {
    a_body_read_slower_than_the_lock_keeps_it(true).await;
}

/// A body that panics as it is read is a 500 like a handler that panics:
/// its key is released, and the retry runs again.
async fn a_body_that_panics_is_a_500_and_frees_its_key(redis: bool) {
    let Some((server, other, runs)) = two_servers(redis).await else { return };
    let path = "/refunds/panicky-body";
    let first = send(server, path, "alice", "panicky", "").await;
    assert_eq!((first.status, first.replayed), (500, false), "{}", first.body);
    assert!(first.body.contains("internal_error"), "{}", first.body);
    let retry = send(other, path, "alice", "panicky", "").await;
    assert_eq!((retry.status, retry.replayed), (500, false), "{}", retry.body);
    assert_eq!(runs.started(), 2, "the key was released, so the retry ran");
}

#[tokio::test]
async fn a_body_that_panics_is_a_500_and_frees_its_key_in_memory() {
    a_body_that_panics_is_a_500_and_frees_its_key(false).await;
}

#[tokio::test]
async fn a_body_that_panics_is_a_500_and_frees_its_key_with_redis() {
    a_body_that_panics_is_a_500_and_frees_its_key(true).await;
}

/// A body its extractor refuses (415 for a JSON body sent as text) never
/// reached the handler's code: nothing is kept, and the corrected request
/// with the same key runs, rather than getting the 415 replayed.
async fn a_request_refused_before_the_handler_ran_keeps_nothing(redis: bool) {
    let Some((server, other, runs)) = two_servers(redis).await else { return };
    let post = |addr: SocketAddr, content_type: &'static str| async move {
        reqwest::Client::new()
            .post(format!("http://{addr}/refunds"))
            .header("authorization", "Test alice")
            .header("content-type", content_type)
            .header("idempotency-key", "typed")
            .body(work_body(0))
            .send()
            .await
            .expect("request")
    };
    let refused = post(server, "text/plain").await;
    assert_eq!(refused.status(), 415);
    let corrected = post(other, "application/json").await;
    assert_eq!(corrected.status(), 201);
    assert!(corrected.headers().get("idempotent-replayed").is_none());
    assert_eq!(runs.started(), 1);
    // Now it ran: the same key is its record.
    let retry = send(server, "/refunds", "alice", "typed", &work_body(0)).await;
    assert_eq!((retry.status, retry.replayed, runs.started()), (201, true, 1));
}

#[tokio::test]
async fn a_request_refused_before_the_handler_ran_keeps_nothing_in_memory() {
    a_request_refused_before_the_handler_ran_keeps_nothing(false).await;
}

#[tokio::test]
async fn a_request_refused_before_the_handler_ran_keeps_nothing_with_redis() {
    a_request_refused_before_the_handler_ran_keeps_nothing(true).await;
}

/// A server process of its own, so that the test can kill it mid-request:
/// shutting its runtime down drops every task, the detached handler too,
/// as a crash would.
struct Process {
    runtime: tokio::runtime::Runtime,
    addr: SocketAddr,
}

impl Process {
    fn start(store: impl FnOnce() -> BoxFuture<'static, Idempotency> + Send + 'static, runs: Runs) -> Process {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        runtime.spawn(async move {
            let store = store().await;
            let app = app(store, runs).layer(axum::middleware::from_fn(apishield_tests::http::test_auth));
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let _ = axum::serve(listener, app).await;
        });
        Process { runtime, addr }
    }

    fn crash(self) {
        self.runtime.shutdown_background();
    }
}

async fn a_request_whose_process_died_is_not_run_again(redis: bool) {
    let runs = Runs::default();
    let (crashing, survivor) = if redis {
        let prefix = apishield_tests::unique_prefix("idem-once");
        let Some(survivor) = crate::redis_store(&prefix).await else { return };
        let crashing: Box<dyn FnOnce() -> BoxFuture<'static, Idempotency> + Send> =
            Box::new(move || Box::pin(async move { Idempotency::new(crate::redis_store(&prefix).await.unwrap()) }));
        (crashing, Idempotency::new(survivor))
    } else {
        let store = Idempotency::memory();
        let shared = store.clone();
        let crashing: Box<dyn FnOnce() -> BoxFuture<'static, Idempotency> + Send> =
            Box::new(move || Box::pin(async move { shared }));
        (crashing, store)
    };
    let process = Process::start(crashing, runs.clone());
    let survivor = serve(app(survivor, runs.clone())).await;
    let addr = process.addr;
    // Their answers never come: the process dies first.
    let in_flight: Vec<_> = ["/refunds", "/recounts"]
        .into_iter()
        .map(|path| {
            let request = reqwest::Client::new()
                .post(format!("http://{addr}{path}"))
                .header("authorization", "Test alice")
                .header("content-type", "application/json")
                .header("idempotency-key", "crash")
                .body(work_body(3000));
            tokio::spawn(request.send())
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(runs.started(), 2);
    tokio::task::spawn_blocking(move || process.crash()).await.unwrap();
    for request in in_flight {
        assert!(request.await.unwrap().is_err(), "the dead process answered");
    }
    let during = send(survivor, "/refunds", "alice", "crash", &work_body(3000)).await;
    assert_eq!(during.status, 409, "the lock is still held: {}", during.body);
    // Past the 1 s lock, with nobody to renew it.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let unknown = send(survivor, "/refunds", "alice", "crash", &work_body(3000)).await;
    assert_eq!(unknown.status, 409);
    assert!(unknown.body.contains("idempotency_outcome_unknown"), "{}", unknown.body);
    assert_eq!(runs.started(), 2, "the refund is not run a second time");
    // A route that is safe to repeat runs the abandoned request again.
    let rerun = send(survivor, "/recounts", "alice", "crash", &work_body(10)).await;
    assert_eq!(rerun.status, 422, "a re-run must be the same request");
    let rerun = send(survivor, "/recounts", "alice", "crash", &work_body(3000)).await;
    assert_eq!((rerun.status, rerun.replayed, rerun.body.as_str()), (201, false, "recount #3"));
    assert_eq!(runs.finished(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_whose_process_died_is_not_run_again_in_memory() {
    a_request_whose_process_died_is_not_run_again(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_whose_process_died_is_not_run_again_with_redis() {
    a_request_whose_process_died_is_not_run_again(true).await;
}

// 3. The fingerprint is the concrete request, not the route.

async fn the_same_key_on_another_path_or_query_is_422(redis: bool) {
    let Some((server, other, runs)) = two_servers(redis).await else { return };
    let first = send(server, "/accounts/1/charge", "alice", "charge-1", "").await;
    assert_eq!((first.status, first.body.as_str()), (200, "charged account 1 (#1)"));
    let account_2 = send(other, "/accounts/2/charge", "alice", "charge-1", "").await;
    assert_eq!(account_2.status, 422, "account 1's answer must not be replayed to account 2");
    assert!(account_2.body.contains("idempotency_key_reused"));
    let first = send(server, "/accounts/1/charge?amount=10", "alice", "charge-2", "").await;
    assert_eq!(first.status, 200);
    assert_eq!(send(other, "/accounts/1/charge?amount=9999", "alice", "charge-2", "").await.status, 422);
    assert_eq!(send(other, "/accounts/1/charge", "alice", "charge-2", "").await.status, 422);
    let again = send(other, "/accounts/1/charge?amount=10", "alice", "charge-2", "").await;
    assert_eq!((again.status, again.replayed), (200, true));
    assert_eq!(runs.started(), 2);
}

#[tokio::test]
async fn the_same_key_on_another_path_or_query_is_422_in_memory() {
    the_same_key_on_another_path_or_query_is_422(false).await;
}

#[tokio::test]
async fn the_same_key_on_another_path_or_query_is_422_with_redis() {
    the_same_key_on_another_path_or_query_is_422(true).await;
}

// 4. A completed request is never run again.

async fn a_response_too_large_to_keep_still_completes_the_request(redis: bool) {
    let Some((server, other, runs)) = two_servers(redis).await else { return };
    for (path, len, location) in [("/exports", 64 * 1024, Some("/exports/1")), ("/streams/big", 64 * 1024, None)] {
        let key = format!("big-{path}");
        let first = send(server, path, "alice", &key, "").await;
        assert_eq!((first.body.len(), first.replayed), (len, false), "{path}: sent whole");
        let retry = send(other, path, "alice", &key, "").await;
        assert_eq!((retry.status, retry.replayed), (first.status, true), "{path}");
        assert!(retry.body.contains("idempotency_response_not_kept"), "{path}: {}", retry.body);
        assert_eq!(retry.headers["content-type"], "application/problem+json");
        assert_eq!(retry.headers.get("location").map(|v| v.to_str().unwrap()), location, "{path}");
    }
    let small = send(server, "/streams/small", "alice", "small", "").await;
    let again = send(other, "/streams/small", "alice", "small", "").await;
    assert_eq!((again.replayed, again.body.len()), (true, 4 * 1024));
    assert_eq!(again.body, small.body, "a streamed body within the limit is kept byte for byte");
    assert_eq!(runs.started(), 3, "no request ran twice");
}

#[tokio::test]
async fn a_response_too_large_to_keep_still_completes_the_request_in_memory() {
    a_response_too_large_to_keep_still_completes_the_request(false).await;
}

#[tokio::test]
async fn a_response_too_large_to_keep_still_completes_the_request_with_redis() {
    a_response_too_large_to_keep_still_completes_the_request(true).await;
}

// 5. Replays repeat the headers a client relies on, never a credential.

async fn replays_keep_the_result_headers_and_never_a_cookie(redis: bool) {
    let Some((server, other, _runs)) = two_servers(redis).await else { return };
    let first = send(server, "/orders", "alice", "order", "").await;
    assert!(first.headers.contains_key("set-cookie"));
    let replay = send(other, "/orders", "alice", "order", "").await;
    assert!(replay.replayed);
    for name in ["location", "etag", "link", "x-order-version", "content-type"] {
        assert_eq!(replay.headers.get(name), first.headers.get(name), "{name}");
    }
    assert!(!replay.headers.contains_key("set-cookie"), "a cookie is never replayed");
    assert!(!replay.headers.contains_key("x-debug"), "only listed headers are replayed");
    assert_eq!(replay.body, first.body);
}

#[tokio::test]
async fn replays_keep_the_result_headers_and_never_a_cookie_in_memory() {
    replays_keep_the_result_headers_and_never_a_cookie(false).await;
}

#[tokio::test]
async fn replays_keep_the_result_headers_and_never_a_cookie_with_redis() {
    replays_keep_the_result_headers_and_never_a_cookie(true).await;
}

#[test]
#[should_panic(expected = "looks like a credential")]
fn a_credential_header_cannot_be_configured_for_replay() {
    let _ = Idempotency::memory().replay_header(HeaderName::from_static("x-session-token"));
}

// 6. One tenant cannot fill the store for everyone; 4xx records are short-lived.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_flooding_the_memory_store_gets_429_and_others_are_unaffected() {
    let runs = Runs::default();
    // 1,000 records in all: each caller may hold 20 (a fiftieth).
    let store = Idempotency::new(MemoryIdempotencyStore::new(1_000, 64 * 1024 * 1024));
    let server = serve(app(store, runs.clone())).await;
    let mut flood = Vec::new();
    for i in 0..1_200 {
        flood.push(tokio::spawn(async move {
            send(server, "/accounts/7/charge", "mallory", &format!("f{i}"), "").await.status
        }));
    }
    let mut statuses = std::collections::BTreeMap::new();
    for task in flood {
        *statuses.entry(task.await.unwrap()).or_insert(0) += 1;
    }
    assert_eq!(statuses, [(200, 20), (429, 1_180)].into_iter().collect());
    let alice = send(server, "/accounts/1/charge", "alice", "mine", "").await;
    assert_eq!(alice.status, 200, "another caller is unaffected: {}", alice.body);
    // Mallory's own replays still work.
    let replay = send(server, "/accounts/7/charge", "mallory", "f0", "").await;
    assert!(replay.status == 200 && replay.replayed || replay.status == 429);
}

/// A 4xx the handler answered is an outcome like any other: kept for the
/// route's `ttl`, so the declined charge is not attempted again a minute
/// later. Before, it was kept for one minute by default.
#[tokio::test]
async fn a_handlers_own_4xx_is_kept_as_long_as_any_outcome() {
    let clock = apishield::time::ManualClock::from_secs(1_700_000_000);
    let store = MemoryIdempotencyStore::default().clock(clock.clone());
    let runs = Runs::default();
    let server = serve(app(Idempotency::new(store), runs.clone())).await;
    let declined = send(server, "/payments/declined", "alice", "declined", "").await;
    assert_eq!((declined.status, runs.started()), (402, 1));
    clock.advance(Duration::from_secs(23 * 3600));
    let retry = send(server, "/payments/declined", "alice", "declined", "").await;
    assert_eq!((retry.status, retry.replayed, runs.started()), (402, true, 1), "the charge was not attempted again");
    clock.advance(Duration::from_secs(3600));
    let expired = send(server, "/payments/declined", "alice", "declined", "").await;
    assert_eq!((expired.replayed, runs.started()), (false, 2), "after the route's 24 h ttl the key is free");
}

/// With `client_error_ttl`, a 4xx the handler answered is kept briefly;
/// one its body extractor answered is not kept at all (see above).
#[tokio::test]
async fn a_refused_request_is_kept_only_briefly() {
    let runs = Runs::default();
    let store = Idempotency::memory().client_error_ttl(Duration::from_millis(300));
    let server = serve(app(store, runs.clone())).await;
    let declined = send(server, "/payments/declined", "alice", "bad", "").await;
    assert_eq!((declined.status, runs.started()), (402, 1));
    let replay = send(server, "/payments/declined", "alice", "bad", "").await;
    assert_eq!((replay.status, replay.replayed, runs.started()), (402, true, 1));
    tokio::time::sleep(Duration::from_millis(400)).await;
    let later = send(server, "/payments/declined", "alice", "bad", "").await;
    assert_eq!((later.status, later.replayed), (402, false), "the 4xx record expired");
    assert_eq!(runs.started(), 2);
    // Refused by its body extractor: never kept.
    let invalid = send(server, "/refunds", "alice", "invalid", r#"{"delay_ms":99999}"#).await;
    assert_eq!((invalid.status, invalid.replayed), (422, false));
    let again = send(server, "/refunds", "alice", "invalid", r#"{"delay_ms":99999}"#).await;
    assert_eq!((again.status, again.replayed), (422, false));
    assert_eq!(runs.started(), 2);
}

// 7. Release on 5xx is the route's choice.

async fn a_route_that_keeps_server_errors_replays_them(redis: bool) {
    let Some((server, other, runs)) = two_servers(redis).await else { return };
    let failed = send(server, "/settlements", "alice", "settle", "").await;
    assert_eq!(failed.status, 500);
    let retry = send(other, "/settlements", "alice", "settle", "").await;
    assert_eq!((retry.status, retry.replayed), (500, true));
    assert_eq!(runs.started(), 1, "a handler that may fail after its side effect is not retried");
}

#[tokio::test]
async fn a_route_that_keeps_server_errors_replays_them_in_memory() {
    a_route_that_keeps_server_errors_replays_them(false).await;
}

#[tokio::test]
async fn a_route_that_keeps_server_errors_replays_them_with_redis() {
    a_route_that_keeps_server_errors_replays_them(true).await;
}
