//! The request id is on the `tracing` span around the route, so every log
//! line of a request (the handler's own, `ApiError::internal`'s cause) can
//! be found by the id the client got back. A minimal recording subscriber
//! stands in for a real one (it sees spans, enters and events, as any
//! `tracing` subscriber does).

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use apishield::axum::ApiError;
use apishield::headers::RequestIdLayer;
use apishield_tests::http::serve;
use axum::Router;
use axum::routing::get;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A log line: its message, and the request id of its span.
type Line = (String, Option<String>);

/// Spans' `request_id` fields, and each event's message with the
/// `request_id` of the span it happened in.
#[derive(Default)]
struct Recorder {
    next: AtomicU64,
    spans: Mutex<HashMap<u64, String>>,
    events: Arc<Mutex<Vec<Line>>>,
}

thread_local! {
    static ENTERED: RefCell<Vec<u64>> = const { RefCell::new(Vec::new()) };
}

#[derive(Default)]
struct Fields {
    request_id: Option<String>,
    message: Option<String>,
}

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        match field.name() {
            "request_id" => self.request_id = Some(format!("{value:?}")),
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
        if let Some(request_id) = fields.request_id {
            self.spans.lock().unwrap().insert(id, request_id);
        }
        Id::from_u64(id)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let spans = self.spans.lock().unwrap();
        let request_id = ENTERED.with(|e| e.borrow().iter().rev().find_map(|id| spans.get(id).cloned()));
        self.events.lock().unwrap().push((fields.message.unwrap_or_default(), request_id));
    }

    fn enter(&self, span: &Id) {
        ENTERED.with(|e| e.borrow_mut().push(span.into_u64()));
    }

    fn exit(&self, _: &Id) {
        ENTERED.with(|e| e.borrow_mut().pop());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_log_lines_of_a_request_carry_its_id() {
    let recorder = Recorder::default();
    let events = Arc::clone(&recorder.events);
    tracing::subscriber::set_global_default(recorder).unwrap();

    let app = Router::new()
        .route(
            "/orders",
            get(|| async {
                tracing::info!("listing orders");
                tokio::task::yield_now().await;
                Err::<String, _>(ApiError::internal("database unreachable"))
            }),
        )
        .layer(RequestIdLayer::new());
    let base = format!("http://{}", serve(app).await);
    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    for incoming in [Some("ticket-1"), None, Some("ticket-3")] {
        let mut req = client.get(format!("{base}/orders"));
        if let Some(id) = incoming {
            req = req.header("x-request-id", id);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), 500);
        ids.push(resp.headers()["x-request-id"].to_str().unwrap().to_owned());
    }
    let events = events.lock().unwrap().clone();
    for id in &ids {
        let lines: Vec<_> =
            events.iter().filter(|(_, rid)| rid.as_deref() == Some(id.as_str())).map(|(m, _)| m.as_str()).collect();
        assert_eq!(lines, ["listing orders", "request failed"], "{id}: {events:?}");
    }
}
