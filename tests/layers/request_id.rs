//! The request id is on the `tracing` span around the route, so every log
//! line of a request (the handler's own, `ApiError::internal`'s cause) can
//! be found by the id the client got back. That id is the server's own: a
//! client cannot log its requests under another request's id, and its own
//! `X-Request-Id`, if valid, is only `client_request_id` beside it. A
//! minimal recording subscriber stands in for a real one (it sees spans,
//! enters and events, as any `tracing` subscriber does); one per process,
//! shared by the tests, each of which looks only at its own requests.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use apishield::axum::ApiError;
use apishield::axum::RequestIdLayer;
use apishield::headers::{ClientRequestId, RequestId};
use apishield_tests::http::serve;
use axum::Router;
use axum::routing::get;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A log line: its message, and the request id and client request id of
/// its span.
#[derive(Debug, Clone)]
struct Line {
    message: String,
    request_id: Option<String>,
    client_request_id: Option<String>,
}

/// The ids of a span.
#[derive(Debug, Clone, Default)]
struct SpanIds {
    request_id: Option<String>,
    client_request_id: Option<String>,
}

/// Spans' id fields, and each event's message with the ids of the span it
/// happened in.
#[derive(Default)]
struct Recorder {
    next: AtomicU64,
    spans: Mutex<HashMap<u64, SpanIds>>,
    events: Arc<Mutex<Vec<Line>>>,
}

thread_local! {
    static ENTERED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

#[derive(Default)]
struct Fields {
    ids: SpanIds,
    message: Option<String>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        match field.name() {
            "request_id" => self.ids.request_id = Some(format!("{value:?}")),
            "client_request_id" => self.ids.client_request_id = Some(format!("{value:?}")),
            "message" => self.message = Some(format!("{value:?}")),
            _ => {}
        }
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if fields.ids.request_id.is_some() {
            self.spans.lock().unwrap().insert(id, fields.ids);
        }
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut fields = Fields::default();
        values.record(&mut fields);
        if let Some(ids) = self.spans.lock().unwrap().get_mut(&span.into_u64()) {
            ids.request_id = fields.ids.request_id.or(ids.request_id.take());
            ids.client_request_id = fields.ids.client_request_id.or(ids.client_request_id.take());
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let spans = self.spans.lock().unwrap();
        let ids = ENTERED.with(|e| e.borrow().iter().rev().find_map(|id| spans.get(id).cloned())).unwrap_or_default();
        self.events.lock().unwrap().push(Line {
            message: fields.message.unwrap_or_default(),
            request_id: ids.request_id,
            client_request_id: ids.client_request_id,
        });
    }

    fn enter(&self, span: &Id) {
        ENTERED.with(|e| e.borrow_mut().push(span.into_u64()));
    }

    fn exit(&self, _: &Id) {
        ENTERED.with(|e| e.borrow_mut().pop());
    }
}

/// The log lines of every test in this process.
fn log() -> Arc<Mutex<Vec<Line>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<Line>>>> = OnceLock::new();
    Arc::clone(LOG.get_or_init(|| {
        let recorder = Recorder::default();
        let events = Arc::clone(&recorder.events);
        tracing::subscriber::set_global_default(recorder).unwrap();
        events
    }))
}

/// The messages logged under request id `id`.
fn lines_of(log: &Mutex<Vec<Line>>, id: &str) -> Vec<String> {
    log.lock()
        .unwrap()
        .iter()
        .filter(|line| line.request_id.as_deref() == Some(id))
        .map(|line| line.message.clone())
        .collect()
}

/// A route that logs a line, yields, then fails: two log lines per request
/// ("listing orders", then `ApiError::internal`'s "request failed").
fn orders(layer: RequestIdLayer) -> Router {
    Router::new()
        .route(
            "/orders",
            get(|| async {
                tracing::info!("listing orders");
                tokio::task::yield_now().await;
                Err::<String, _>(ApiError::internal("database unreachable"))
            }),
        )
        .route(
            "/ids",
            get(|id: RequestId, client: Option<ClientRequestId>| async move {
                format!("{id} {}", client.as_ref().map_or("-", ClientRequestId::as_str))
            }),
        )
        .layer(layer)
}

struct Reply {
    status: u16,
    id: String,
    body: String,
}

async fn get_orders(base: &str, client_id: Option<&str>) -> Reply {
    let mut req = reqwest::Client::new().get(format!("{base}/orders"));
    if let Some(id) = client_id {
        req = req.header("x-request-id", id);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    Reply { status, id, body: resp.text().await.unwrap() }
}

fn body_request_id(body: &str) -> String {
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    body["request_id"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_lines_of_a_request_carry_its_id() {
    let log = log();
    let base = format!("http://{}", serve(orders(RequestIdLayer::new())).await);
    let mut ids = Vec::new();
    for incoming in [Some("ticket-1"), None, Some("ticket-3")] {
        let reply = get_orders(&base, incoming).await;
        assert_eq!(reply.status, 500);
        // The answer, the body and the logs name the same id: the server's.
        assert_eq!(body_request_id(&reply.body), reply.id);
        assert_ne!(Some(reply.id.as_str()), incoming);
        ids.push(reply.id);
    }
    for id in &ids {
        assert_eq!(lines_of(&log, id), ["listing orders", "request failed"], "{id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_cannot_log_its_requests_under_another_requests_id() {
    let log = log();
    let base = format!("http://{}", serve(orders(RequestIdLayer::new())).await);

    // The victim's request, and its id as the victim's support ticket quotes it.
    let victim = get_orders(&base, None).await;
    assert_eq!(lines_of(&log, &victim.id), ["listing orders", "request failed"]);

    // The attacker sends that id with its own requests, concurrently.
    let attacks: Vec<_> = (0..8)
        .map(|_| {
            let (base, stolen) = (base.clone(), victim.id.clone());
            tokio::spawn(async move { get_orders(&base, Some(&stolen)).await })
        })
        .collect();
    let mut attack_ids = Vec::new();
    for attack in attacks {
        let reply = attack.await.unwrap();
        assert_ne!(reply.id, victim.id, "the stolen id is not echoed");
        assert_eq!(body_request_id(&reply.body), reply.id);
        assert!(!reply.body.contains(&victim.id), "{}", reply.body);
        attack_ids.push(reply.id);
    }
    // The victim's id still finds exactly the victim's two lines.
    assert_eq!(lines_of(&log, &victim.id), ["listing orders", "request failed"]);
    // Each attack request has its own id; the id it claimed is recorded
    // beside it, as what it is: the client's word.
    attack_ids.sort();
    attack_ids.dedup();
    assert_eq!(attack_ids.len(), 8);
    let lines = log.lock().unwrap().clone();
    for id in &attack_ids {
        let own: Vec<_> = lines.iter().filter(|l| l.request_id.as_deref() == Some(id.as_str())).collect();
        assert_eq!(own.len(), 2, "{id}");
        assert!(own.iter().all(|l| l.client_request_id.as_deref() == Some(victim.id.as_str())), "{own:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsafe_client_id_is_neither_logged_nor_echoed() {
    let log = log();
    let base = format!("http://{}", serve(orders(RequestIdLayer::new())).await);
    let hostile =
        [r#"x"}{"level":"ERROR"#, r"back\slash", "<script>alert(1)</script>", "percent%0Aencoded", &"l".repeat(65)];
    for value in hostile {
        let reply = get_orders(&base, Some(value)).await;
        assert_eq!(reply.status, 500);
        assert_ne!(reply.id, value);
        assert!(!reply.body.contains(value), "{value}: {}", reply.body);
        assert_eq!(lines_of(&log, &reply.id), ["listing orders", "request failed"]);
        let lines = log.lock().unwrap().clone();
        for line in lines.iter().filter(|l| l.request_id.as_deref() == Some(reply.id.as_str())) {
            assert_eq!(line.client_request_id, None, "{value}: refused, so not logged");
        }
        assert!(!lines.iter().any(|l| l.client_request_id.as_deref() == Some(value) || l.message.contains(value)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_gateways_id_is_the_request_id() {
    let log = log();
    let base = format!("http://{}", serve(orders(RequestIdLayer::new().trust_incoming())).await);
    let reply = get_orders(&base, Some("gw-7f3a9c")).await;
    assert_eq!(reply.id, "gw-7f3a9c");
    assert_eq!(body_request_id(&reply.body), "gw-7f3a9c");
    let lines = log.lock().unwrap().clone();
    let own: Vec<_> = lines.iter().filter(|l| l.request_id.as_deref() == Some("gw-7f3a9c")).collect();
    assert_eq!(own.iter().map(|l| l.message.as_str()).collect::<Vec<_>>(), ["listing orders", "request failed"]);
    assert!(own.iter().all(|l| l.client_request_id.is_none()), "one id, not two");
    // Trusted or not, an unsafe value is never adopted.
    let reply = get_orders(&base, Some("gw\"7")).await;
    assert_ne!(reply.id, "gw\"7");
    assert_eq!(reply.id.len(), 36);

    // The handler sees the same split: its request id, and the client's.
    let plain = format!("http://{}", serve(orders(RequestIdLayer::new())).await);
    let resp =
        reqwest::Client::new().get(format!("{plain}/ids")).header("x-request-id", "mine-1").send().await.unwrap();
    let id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(resp.text().await.unwrap(), format!("{id} mine-1"));
}
