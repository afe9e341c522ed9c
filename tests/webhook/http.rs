//! Receiving webhooks over real HTTP on loopback: the `Verified<T>`
//! extractor runs the handler once per authentic event and answers every
//! other delivery itself (200 duplicate, 401 generic, 400, 413, 503),
//! with the memory store and with Redis shared by two servers. The endpoint
//! comes from the route's state (a route without one does not compile:
//! `ui-tests/webhook/fail/verified_without_endpoint.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use apishield::axum::{ApiError, BodyLimit, WebhookEndpoint, WebhookRejection};
use apishield::webhook::{
    MemoryReplayStore, RedisReplayStore, SignedWebhook, Verified, WebhookError, WebhookSecret, WebhookSigner,
    WebhookVerifier,
};
use apishield_tests::http::serve;
use apishield_tests::redis_url;
use axum::Router;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::routing::post;
use redis::aio::ConnectionManager;

#[derive(Debug, serde::Deserialize)]
struct InvoicePaid {
    invoice: String,
    amount_cents: u64,
}

/// Invoices the handler processed, in order.
#[derive(Clone, Default)]
struct Processed(Arc<std::sync::Mutex<Vec<String>>>);

impl Processed {
    fn list(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

async fn invoice_paid(
    Extension(processed): Extension<Processed>,
    event: Verified<InvoicePaid>,
) -> (StatusCode, String) {
    processed.0.lock().unwrap().push(event.invoice.clone());
    (StatusCode::ACCEPTED, format!("{} {}", event.invoice, event.amount_cents))
}

/// Processing that fails the first time for each event, and gives the event
/// back so that the sender's retry is processed.
async fn flaky(
    State(endpoint): State<WebhookEndpoint>,
    Extension(processed): Extension<Processed>,
    Extension(attempts): Extension<Arc<AtomicUsize>>,
    event: Verified<InvoicePaid>,
) -> Result<StatusCode, ApiError> {
    if attempts.fetch_add(1, Ordering::SeqCst) == 0 {
        endpoint.forget(&event).await.map_err(|_| ApiError::unavailable())?;
        return Err(ApiError::unavailable());
    }
    processed.0.lock().unwrap().push(event.invoice.clone());
    Ok(StatusCode::NO_CONTENT)
}

/// Sees the refusal itself instead of letting the extractor answer.
async fn inspecting(delivery: Result<Verified<InvoicePaid>, WebhookRejection>) -> String {
    match delivery {
        Ok(event) => format!("ok {}", event.invoice),
        Err(rejection) => format!("{} {:?}", rejection.status().as_u16(), rejection.error().map(WebhookError::code)),
    }
}

fn secret() -> WebhookSecret {
    WebhookSecret::from_bytes(&[0x5a; 32]).unwrap()
}

fn app(endpoint: WebhookEndpoint, processed: Processed) -> Router {
    Router::new()
        .route("/webhooks/billing", post(invoice_paid))
        .route("/webhooks/flaky", post(flaky))
        .route("/webhooks/inspect", post(inspecting))
        .layer(Extension(Arc::new(AtomicUsize::new(0))))
        .layer(Extension(processed))
        .with_state(endpoint)
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

struct Reply {
    status: u16,
    body: String,
}

async fn deliver(base: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut req = reqwest::Client::new().post(format!("{base}{path}")).body(body.to_vec());
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    Reply { status, body: resp.text().await.unwrap() }
}

async fn send(base: &str, path: &str, signed: &SignedWebhook, body: &[u8]) -> Reply {
    deliver(base, path, &signed.headers(), body).await
}

const BODY: &[u8] = br#"{"invoice":"in_1","amount_cents":1999}"#;

#[tokio::test]
async fn an_authentic_event_is_processed_once_and_its_duplicates_get_200() {
    let processed = Processed::default();
    let base =
        format!("http://{}", serve(app(WebhookEndpoint::new(WebhookVerifier::new(secret())), processed.clone())).await);
    let signer = WebhookSigner::new(secret());

    let signed = signer.sign(BODY).unwrap();
    let first = send(&base, "/webhooks/billing", &signed, BODY).await;
    assert_eq!((first.status, first.body.as_str()), (202, "in_1 1999"));

    // The same delivery again, and the sender's retry (same event id, new
    // timestamp and signature): success, nothing processed.
    let again = send(&base, "/webhooks/billing", &signed, BODY).await;
    assert_eq!((again.status, again.body.as_str()), (200, ""));
    let retry = signer.sign_event(signed.event_id(), BODY).unwrap();
    assert_eq!(send(&base, "/webhooks/billing", &retry, BODY).await.status, 200);
    assert_eq!(processed.list(), ["in_1"]);
}

#[tokio::test]
async fn every_forgery_gets_the_same_generic_401_and_runs_nothing() {
    let processed = Processed::default();
    let base =
        format!("http://{}", serve(app(WebhookEndpoint::new(WebhookVerifier::new(secret())), processed.clone())).await);
    let signer = WebhookSigner::new(secret());
    let other = WebhookSigner::new(WebhookSecret::from_bytes(&[0x11; 32]).unwrap());
    let now = unix_now();

    let fresh = signer.sign(BODY).unwrap();
    let tampered = br#"{"invoice":"in_1","amount_cents":1}"#;
    let stale = signer.sign_at("evt_stale", now - 301, BODY).unwrap();
    let future = signer.sign_at("evt_future", now + 3600, BODY).unwrap();
    let foreign = other.sign(BODY).unwrap();
    let [id, ts, sig] = fresh.headers();

    let forgeries: Vec<(&str, Reply)> = vec![
        ("tampered body", send(&base, "/webhooks/billing", &fresh, tampered).await),
        ("stale timestamp", send(&base, "/webhooks/billing", &stale, BODY).await),
        ("future timestamp", send(&base, "/webhooks/billing", &future, BODY).await),
        ("other secret", send(&base, "/webhooks/billing", &foreign, BODY).await),
        ("no signature", deliver(&base, "/webhooks/billing", &[id, ts], BODY).await),
        ("no headers", deliver(&base, "/webhooks/billing", &[], BODY).await),
        ("bad signature format", deliver(&base, "/webhooks/billing", &[id, ts, (sig.0, "md5=00")], BODY).await),
        ("two signatures", deliver(&base, "/webhooks/billing", &[id, ts, sig, sig], BODY).await),
    ];
    let first_body = forgeries[0].1.body.clone();
    for (what, reply) in &forgeries {
        assert_eq!(reply.status, 401, "{what}");
        assert_eq!(reply.body, first_body, "{what}: every refusal must look the same");
    }
    assert!(first_body.contains("\"status\":401") && !first_body.contains("signature"), "{first_body}");
    assert!(processed.list().is_empty());

    // The genuine delivery still goes through afterwards: refusals record nothing.
    assert_eq!(send(&base, "/webhooks/billing", &fresh, BODY).await.status, 202);
}

#[tokio::test]
async fn authentic_but_unparsable_is_400_oversized_is_413_and_neither_is_recorded() {
    let processed = Processed::default();
    let endpoint = WebhookEndpoint::new(WebhookVerifier::new(secret()));
    let base = format!("http://{}", serve(app(endpoint, processed.clone()).layer(Extension(BodyLimit(1024)))).await);
    let signer = WebhookSigner::new(secret());

    let wrong_shape = br#"{"invoice":"in_2"}"#;
    let signed = signer.sign(wrong_shape).unwrap();
    let reply = send(&base, "/webhooks/billing", &signed, wrong_shape).await;
    assert_eq!(reply.status, 400);
    assert!(reply.body.contains("invalid_payload") && !reply.body.contains("in_2"), "{}", reply.body);
    // Not recorded: the same delivery fails the same way, not as a duplicate.
    assert_eq!(send(&base, "/webhooks/billing", &signed, wrong_shape).await.status, 400);

    let big = format!(r#"{{"invoice":"{}","amount_cents":1}}"#, "x".repeat(2000));
    let signed = signer.sign(big.as_bytes()).unwrap();
    assert_eq!(send(&base, "/webhooks/billing", &signed, big.as_bytes()).await.status, 413);
    assert!(processed.list().is_empty());
}

#[tokio::test]
async fn a_full_store_answers_503_so_the_sender_retries() {
    let processed = Processed::default();
    let verifier = WebhookVerifier::new(secret()).store(MemoryReplayStore::with_capacity(1));
    let base = format!("http://{}", serve(app(WebhookEndpoint::new(verifier), processed.clone())).await);
    let signer = WebhookSigner::new(secret());

    // The X-Webhook profile records two keys per event (id and signature):
    // a store of one record cannot take any.
    let signed = signer.sign(BODY).unwrap();
    let reply = send(&base, "/webhooks/billing", &signed, BODY).await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert!(processed.list().is_empty());
}

/// Two senders, two secrets: each route verifies with the endpoint of its
/// own state, so a delivery signed for one is refused by the other.
#[tokio::test]
async fn each_route_verifies_with_the_endpoint_of_its_own_state() {
    let billing_secret = secret();
    let shipping_secret = WebhookSecret::from_bytes(&[0x3c; 32]).unwrap();
    let processed = Processed::default();
    let app = Router::new()
        .route(
            "/webhooks/billing",
            post(invoice_paid).with_state(WebhookEndpoint::new(WebhookVerifier::new(billing_secret.clone()))),
        )
        .route(
            "/webhooks/shipping",
            post(invoice_paid).with_state(WebhookEndpoint::new(WebhookVerifier::new(shipping_secret.clone()))),
        )
        .layer(Extension(processed.clone()));
    let base = format!("http://{}", serve(app).await);

    let for_billing = WebhookSigner::new(billing_secret).sign(BODY).unwrap();
    assert_eq!(send(&base, "/webhooks/shipping", &for_billing, BODY).await.status, 401);
    assert_eq!(send(&base, "/webhooks/billing", &for_billing, BODY).await.status, 202);
    let for_shipping = WebhookSigner::new(shipping_secret).sign(BODY).unwrap();
    assert_eq!(send(&base, "/webhooks/billing", &for_shipping, BODY).await.status, 401);
    assert_eq!(send(&base, "/webhooks/shipping", &for_shipping, BODY).await.status, 202);
    assert_eq!(processed.list(), ["in_1", "in_1"]);
}

#[tokio::test]
async fn a_failed_processing_can_give_the_event_back_for_the_retry() {
    let processed = Processed::default();
    let base =
        format!("http://{}", serve(app(WebhookEndpoint::new(WebhookVerifier::new(secret())), processed.clone())).await);
    let signer = WebhookSigner::new(secret());

    let signed = signer.sign(BODY).unwrap();
    assert_eq!(send(&base, "/webhooks/flaky", &signed, BODY).await.status, 503);
    let retry = signer.sign_event(signed.event_id(), BODY).unwrap();
    assert_eq!(send(&base, "/webhooks/flaky", &retry, BODY).await.status, 204);
    let third = signer.sign_event(signed.event_id(), BODY).unwrap();
    assert_eq!(send(&base, "/webhooks/flaky", &third, BODY).await.status, 200);
    assert_eq!(processed.list(), ["in_1"]);
}

/// The sender's first delivery of an event fails in the handler, which
/// gives the event back (`forget`) and answers 503. Someone who captured
/// that delivery (a logging proxy, a compromised hop) sends it again under
/// fresh `X-Webhook-Id`s: the id is not signed in this profile, but the
/// signature is still on record, so the copies are duplicates and nothing is
/// processed. The sender's retry, under the event's own id, is processed,
/// once.
async fn a_forgotten_event_cannot_be_replayed_under_a_fresh_id(endpoint: WebhookEndpoint) {
    let processed = Processed::default();
    let base = format!("http://{}", serve(app(endpoint, processed.clone())).await);
    let signer = WebhookSigner::new(secret());

    let signed = signer.sign(BODY).unwrap();
    assert_eq!(send(&base, "/webhooks/flaky", &signed, BODY).await.status, 503);

    let [_, ts, sig] = signed.headers();
    for fresh_id in ["evt_replayed_1", "evt_replayed_2"] {
        let replay = deliver(&base, "/webhooks/flaky", &[("x-webhook-id", fresh_id), ts, sig], BODY).await;
        assert_eq!((replay.status, replay.body.as_str()), (200, ""), "{fresh_id}: a duplicate, not processed");
    }
    assert!(processed.list().is_empty(), "{:?}", processed.list());

    // The sender's retry: same event id, new timestamp and signature.
    let retry = signer.sign_event(signed.event_id(), BODY).unwrap();
    assert_eq!(send(&base, "/webhooks/flaky", &retry, BODY).await.status, 204);
    let [_, ts, sig] = retry.headers();
    let replay = deliver(&base, "/webhooks/flaky", &[("x-webhook-id", "evt_replayed_3"), ts, sig], BODY).await;
    assert_eq!(replay.status, 200);
    assert_eq!(processed.list(), ["in_1"]);
}

/// A sender that retries by resending the very delivery it signed (same id,
/// timestamp and signature) also gets its event processed after a forget;
/// the same bytes under another id still do not.
async fn a_forgotten_event_resent_as_signed_is_processed(endpoint: WebhookEndpoint) {
    let processed = Processed::default();
    let base = format!("http://{}", serve(app(endpoint, processed.clone())).await);
    let signed = WebhookSigner::new(secret()).sign(BODY).unwrap();
    assert_eq!(send(&base, "/webhooks/flaky", &signed, BODY).await.status, 503);
    assert_eq!(send(&base, "/webhooks/flaky", &signed, BODY).await.status, 204);
    assert_eq!(send(&base, "/webhooks/flaky", &signed, BODY).await.status, 200);
    let [_, ts, sig] = signed.headers();
    assert_eq!(deliver(&base, "/webhooks/flaky", &[("x-webhook-id", "evt_other"), ts, sig], BODY).await.status, 200);
    assert_eq!(processed.list(), ["in_1"]);
}

#[tokio::test]
async fn forget_keeps_the_signature_so_a_captured_delivery_cannot_return_under_a_fresh_id() {
    let endpoint = || WebhookEndpoint::new(WebhookVerifier::new(secret()));
    a_forgotten_event_cannot_be_replayed_under_a_fresh_id(endpoint()).await;
    a_forgotten_event_resent_as_signed_is_processed(endpoint()).await;
}

#[tokio::test]
async fn forget_keeps_the_signature_in_redis_too() {
    let Some(conn) = redis().await else { return };
    let endpoint = |test: &str| {
        let prefix = apishield_tests::unique_prefix(&format!("webhook-http-{test}"));
        WebhookEndpoint::new(WebhookVerifier::new(secret()).store(RedisReplayStore::new(conn.clone()).prefix(prefix)))
    };
    a_forgotten_event_cannot_be_replayed_under_a_fresh_id(endpoint("fresh-id")).await;
    a_forgotten_event_resent_as_signed_is_processed(endpoint("resent")).await;
}

#[tokio::test]
async fn a_handler_can_take_the_rejection_itself() {
    let base = format!(
        "http://{}",
        serve(app(WebhookEndpoint::new(WebhookVerifier::new(secret())), Processed::default())).await
    );
    let signed = WebhookSigner::new(secret()).sign(BODY).unwrap();
    assert_eq!(send(&base, "/webhooks/inspect", &signed, BODY).await.body, "ok in_1");
    assert_eq!(send(&base, "/webhooks/inspect", &signed, BODY).await.body, "200 Some(\"replayed\")");
    assert_eq!(send(&base, "/webhooks/inspect", &signed, b"{}").await.body, "401 Some(\"bad_signature\")");
}

#[tokio::test]
async fn standard_webhooks_profile_over_http() {
    let processed = Processed::default();
    let secret = WebhookSecret::generate().unwrap();
    let endpoint = WebhookEndpoint::new(WebhookVerifier::standard(secret.clone()));
    let base = format!("http://{}", serve(app(endpoint, processed.clone())).await);
    let signed = WebhookSigner::standard(secret).sign(BODY).unwrap();
    assert_eq!(signed.headers()[0].0, "webhook-id");
    assert_eq!(send(&base, "/webhooks/billing", &signed, BODY).await.status, 202);
    assert_eq!(send(&base, "/webhooks/billing", &signed, BODY).await.status, 200);
    assert_eq!(processed.list(), ["in_1"]);
}

async fn redis() -> Option<ConnectionManager> {
    let url = redis_url()?;
    Some(redis::Client::open(url).unwrap().get_connection_manager().await.unwrap())
}

#[tokio::test]
async fn two_servers_sharing_redis_process_an_event_once() {
    let Some(conn) = redis().await else { return };
    let prefix = apishield_tests::unique_prefix("webhook-http");
    let processed = Processed::default();
    let server = |conn: ConnectionManager| {
        let store = RedisReplayStore::new(conn).prefix(prefix.clone());
        app(WebhookEndpoint::new(WebhookVerifier::standard(secret()).store(store)), processed.clone())
    };
    let a = format!("http://{}", serve(server(conn.clone())).await);
    let b = format!("http://{}", serve(server(conn)).await);
    let signer = WebhookSigner::standard(secret());

    // 20 events, each delivered to both servers at once, 3 times over.
    let mut deliveries = Vec::new();
    for n in 0..20 {
        let body = format!(r#"{{"invoice":"in_{n}","amount_cents":{n}}}"#);
        let signed = signer.sign(body.as_bytes()).unwrap();
        for base in [&a, &b, &a, &b, &a, &b] {
            let (base, signed, body) = (base.clone(), signed.clone(), body.clone());
            deliveries.push(tokio::spawn(async move {
                send(&base, "/webhooks/billing", &signed, body.as_bytes()).await.status
            }));
        }
    }
    let mut statuses = Vec::new();
    for d in deliveries {
        statuses.push(d.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|&&s| s == 202).count(), 20, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|&&s| s == 200).count(), 100, "{statuses:?}");
    let mut list = processed.list();
    list.sort();
    list.dedup();
    assert_eq!(list.len(), 20);
    assert_eq!(processed.list().len(), 20);
}

/// A body that does not arrive whole (here a malformed chunked encoding) is
/// a 400 `body_unreadable`, not a 413: it was not too large, and counting it
/// as a body-limit refusal would mislead whoever watches that metric.
#[tokio::test]
async fn a_body_that_does_not_arrive_whole_is_400_not_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let endpoint = WebhookEndpoint::new(WebhookVerifier::new(secret()));
    let addr = serve(app(endpoint, Processed::default())).await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = "POST /webhooks/billing HTTP/1.1\r\nhost: test\r\ncontent-type: application/json\r\n\
                   transfer-encoding: chunked\r\n\r\n5\r\n{\"inv\r\nnot-a-chunk-size\r\n\r\n";
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("body_unreadable"), "{answer}");
}
