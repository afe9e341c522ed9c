//! Metrics and traces of the security decisions, over real HTTP on
//! loopback: a router with every layer, driven through each decision
//! (credentials accepted and refused, a rate limit, idempotency claims,
//! replays and conflicts, webhooks, CORS, validation, body limits, access
//! checks), with a recorder of our own behind the `metrics` facade and a
//! `tracing` subscriber of our own. The counters must have exactly the
//! values the requests call for, every label value must come from the
//! documented sets, the events must carry their fields on the request's
//! span, and no label or field may hold a credential, a signature or a
//! rejected value that was sent.
//!
//! A metrics recorder and a `tracing` subscriber are global, once per
//! process: this binary has one test, which owns both.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apishield::auth::api_key::{ApiKeyEnvironment, ApiKeyIssuer, ApiKeyKind, ApiKeyVerifier, MemoryApiKeyStore};
use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtIssuer, JwtKey, JwtSigningKey, JwtValidator};
use apishield::axum::{AuthenticationLayer, BodyLimit, HttpsLayer, Idempotency, RateLimitLayer, SafeDefaults};
use apishield::prelude::*;
use apishield::rate_limit::{MemoryRateLimiter, RateLimitPolicy, Window};
use apishield::telemetry;
use apishield::webhook::{WebhookSecret, WebhookSigner, WebhookVerifier};
use apishield_tests::http::serve_with_connect_info;
use axum::Router;
use axum::extract::{Extension, Path};
use axum::http::StatusCode;
use axum::routing::{get, post};
use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};

// ---------------------------------------------------------------------------
// A recorder: every counter by its rendered key, `name{k="v",...}`.

#[derive(Clone, Default)]
struct Counters(Arc<Mutex<BTreeMap<String, Arc<AtomicU64>>>>);

fn render(key: &Key) -> String {
    let mut labels: Vec<String> = key.labels().map(|l| format!("{}=\"{}\"", l.key(), l.value())).collect();
    labels.sort();
    format!("{}{{{}}}", key.name(), labels.join(","))
}

impl Counters {
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> u64 {
        let mut labels: Vec<String> = labels.iter().map(|(k, v)| format!("{k}=\"{v}\"")).collect();
        labels.sort();
        let rendered = format!("{name}{{{}}}", labels.join(","));
        self.0.lock().unwrap().get(&rendered).map_or(0, |c| c.load(Ordering::SeqCst))
    }

    fn snapshot(&self) -> BTreeMap<String, u64> {
        self.0.lock().unwrap().iter().map(|(k, v)| (k.clone(), v.load(Ordering::SeqCst))).collect()
    }

    /// Every (name, labels) registered.
    fn keys(&self) -> Vec<(String, Vec<(String, String)>)> {
        self.0
            .lock()
            .unwrap()
            .keys()
            .map(|rendered| {
                let (name, rest) = rendered.split_once('{').unwrap();
                let labels = rest
                    .trim_end_matches('}')
                    .split(',')
                    .filter(|l| !l.is_empty())
                    .map(|l| {
                        let (k, v) = l.split_once('=').unwrap();
                        (k.to_owned(), v.trim_matches('"').to_owned())
                    })
                    .collect();
                (name.to_owned(), labels)
            })
            .collect()
    }
}

impl Recorder for Counters {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}

    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let counter = Arc::clone(self.0.lock().unwrap().entry(render(key)).or_default());
        Counter::from_arc(counter)
    }

    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }

    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

// ---------------------------------------------------------------------------
// A subscriber: every event of apishield's targets, its fields as text and
// the request id of the span it happened in.

#[derive(Debug, Clone)]
struct Line {
    target: String,
    level: tracing::Level,
    fields: HashMap<String, String>,
    request_id: Option<String>,
}

impl Line {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }
}

#[derive(Default)]
struct Fields(HashMap<String, String>);

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

#[derive(Clone, Default)]
struct Events {
    next: Arc<AtomicU64>,
    spans: Arc<Mutex<HashMap<u64, String>>>,
    lines: Arc<Mutex<Vec<Line>>>,
}

thread_local! {
    static ENTERED: std::cell::RefCell<Vec<u64>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Subscriber for Events {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(request_id) = fields.0.remove("request_id") {
            self.spans.lock().unwrap().insert(id, request_id);
        }
        Id::from_u64(id)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let target = event.metadata().target();
        if !target.starts_with("apishield") {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let spans = self.spans.lock().unwrap();
        let request_id = ENTERED.with(|e| e.borrow().iter().rev().find_map(|id| spans.get(id).cloned()));
        self.lines.lock().unwrap().push(Line {
            target: target.to_owned(),
            level: *event.metadata().level(),
            fields: fields.0,
            request_id,
        });
    }

    fn enter(&self, span: &Id) {
        ENTERED.with(|e| e.borrow_mut().push(span.into_u64()));
    }

    fn exit(&self, _: &Id) {
        ENTERED.with(|e| e.borrow_mut().pop());
    }
}

impl Events {
    fn all(&self) -> Vec<Line> {
        self.lines.lock().unwrap().clone()
    }

    /// The events of `target` whose `outcome` is `outcome`.
    fn find(&self, target: &str, outcome: &str) -> Vec<Line> {
        self.all().into_iter().filter(|l| l.target == target && l.field("outcome") == Some(outcome)).collect()
    }
}

// ---------------------------------------------------------------------------
// The service.

#[secure_request]
pub struct CreateUser {
    #[shield(len = 1..=20)]
    pub name: String,
}

#[secure_request(query)]
pub struct Search {
    #[shield(range = 1900..=2100)]
    pub year: u32,
}

#[secure_request]
pub struct CreatePayment {
    #[shield(range = 1..=1_000_000)]
    pub amount_cents: u64,
    #[shield(range = 0..=2_000)]
    pub delay_ms: Option<u64>,
}

#[secure_response]
pub struct Payment {
    pub amount_cents: u64,
}

async fn order(_principal: Principal, Path(id): Path<u64>) -> String {
    format!("order {id}")
}

async fn create_user(_principal: Principal, SecureJson(user): SecureJson<CreateUser>) -> String {
    user.name
}

async fn search(_principal: Principal, SecureQuery(search): SecureQuery<Search>) -> String {
    search.year.to_string()
}

async fn admin(principal: Principal) -> Result<&'static str, ApiError> {
    principal.require_scope("admin")?;
    Ok("admin")
}

#[idempotent(ttl = "1h", lock = "2s")]
async fn create_payment(
    _key: IdempotencyKey,
    _principal: Principal,
    SecureJson(req): SecureJson<CreatePayment>,
) -> (StatusCode, SecureJson<Payment>) {
    if let Some(ms) = req.delay_ms {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    (StatusCode::CREATED, SecureJson(Payment { amount_cents: req.amount_cents }))
}

#[derive(serde::Deserialize)]
struct Invoice {
    invoice: String,
}

async fn invoice_paid(event: Verified<Invoice>) -> String {
    event.invoice.clone()
}

const ISS: &str = "https://auth.example.com";
const AUD: &str = "orders-api";
const ORIGIN: &str = "https://app.example.com";
const EVIL_ORIGIN: &str = "https://evil.example";

struct Service {
    base: String,
    api_key: String,
    unknown_key: String,
    tiny_token: String,
    forged_token: String,
    signer: WebhookSigner,
    forger: WebhookSigner,
}

async fn service() -> Service {
    let secret = HmacSecret::generate().unwrap();
    let jwt = JwtIssuer::new(JwtSigningKey::hmac(JwtAlgorithm::HS256, &secret).unwrap(), ISS, AUD);
    let other = HmacSecret::generate().unwrap();
    let forged = JwtIssuer::new(JwtSigningKey::hmac(JwtAlgorithm::HS256, &other).unwrap(), ISS, AUD);
    let validator =
        JwtValidator::builder(JwtKey::hmac(JwtAlgorithm::HS256, &secret).unwrap()).issuer(ISS).audience(AUD).build();
    let store = MemoryApiKeyStore::new();
    let (api_key, _) = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live)
        .issue(ApiKeyKind::Secret, "svc-billing", ["orders:read"])
        .await
        .unwrap();
    // A well-formed key of another store: unknown here.
    let (unknown_key, _) = ApiKeyIssuer::new(MemoryApiKeyStore::new(), ApiKeyEnvironment::Live)
        .issue(ApiKeyKind::Secret, "nobody", ["orders:read"])
        .await
        .unwrap();

    let generous = RateLimitPolicy::new(Default::default(), [Window::per_minute(1000)]).unwrap();
    let tiny = RateLimitPolicy::new(Default::default(), [Window::per_minute(2)]).unwrap();
    let rate_limit = RateLimitLayer::new(MemoryRateLimiter::new(generous.clone()))
        .role("tiny", MemoryRateLimiter::new(tiny))
        .anonymous(MemoryRateLimiter::new(generous));
    let auth = AuthenticationLayer::new().jwt(validator).api_keys(ApiKeyVerifier::new(store, ApiKeyEnvironment::Live));
    let api = Router::new()
        .route("/orders/{id}", get(order))
        .route("/users", post(create_user).layer(Extension(BodyLimit(2048))))
        .route("/search", get(search))
        .route("/admin", get(admin))
        .route("/payments", post(create_payment).with_state(Idempotency::memory()))
        .layer(rate_limit)
        .layer(auth);

    let webhook_secret = WebhookSecret::generate().unwrap();
    let endpoint = WebhookEndpoint::new(WebhookVerifier::new(webhook_secret.clone()));
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/webhooks/billing", post(invoice_paid).with_state(endpoint))
        .merge(api);
    let cors = CorsPolicy::builder()
        .origins([ORIGIN])
        .methods(["GET", "POST"])
        .headers(["Authorization", "Content-Type", "Idempotency-Key"])
        .build()
        .unwrap();
    let app = SafeDefaults::new(cors).https(HttpsLayer::new().allow_plain_loopback()).apply(app);
    let base = format!("http://{}", serve_with_connect_info(app).await);
    Service {
        base,
        api_key: api_key.expose_secret().to_owned(),
        unknown_key: unknown_key.expose_secret().to_owned(),
        tiny_token: jwt.token("user-7").roles(["tiny"]).sign().unwrap().expose_secret().to_owned(),
        forged_token: forged.token("user-7").sign().unwrap().expose_secret().to_owned(),
        signer: WebhookSigner::new(webhook_secret),
        forger: WebhookSigner::new(WebhookSecret::generate().unwrap()),
    }
}

struct Reply {
    status: u16,
    request_id: String,
}

async fn send(req: reqwest::RequestBuilder) -> Reply {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let request_id = resp.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    let _ = resp.bytes().await.unwrap();
    Reply { status, request_id }
}

// ---------------------------------------------------------------------------

/// The label values the documentation lists, per label name.
fn documented(label: &str) -> &'static [&'static str] {
    match label {
        "outcome" => &[
            "authenticated",
            "anonymous",
            "refused",
            "throttled",
            "unavailable",
            "allowed",
            "limited",
            "unchecked",
            "misconfigured",
            "invalid_forwarded_header",
            "claimed",
            "replayed",
            "in_progress",
            "outcome_unknown",
            "key_reused",
            "quota_exceeded",
            "key_missing",
            "key_malformed",
            "verified",
            "duplicate",
            "rotated",
        ],
        "scheme" => &["bearer", "api_key", "cookie", "unknown", "query", "none"],
        "limiter" => &["default", "role", "anonymous"],
        "profile" => &["x_webhook", "standard_webhooks"],
        "request" => &["preflight", "simple"],
        "source" => &["json", "query"],
        "extractor" => &["json", "webhook", "idempotency"],
        "action" => &["refused", "redirected"],
        "check" => &["owner", "role", "scope"],
        // Codes: snake_case words, checked for shape below.
        "reason" | "code" => &[],
        other => panic!("undocumented label {other}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_security_decision_is_a_counter_and_an_event_without_the_secrets() {
    let counters = Counters::default();
    metrics::set_global_recorder(counters.clone()).unwrap();
    let events = Events::default();
    tracing::subscriber::set_global_default(events.clone()).unwrap();

    let s = service().await;
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", s.base);
    let with_key = |req: reqwest::RequestBuilder| req.header("authorization", format!("ApiKey {}", s.api_key));

    // Authentication: accepted, an unknown key, a forged token, a credential in the query.
    assert_eq!(send(with_key(http.get(url("/orders/1")))).await.status, 200);
    let unknown = send(http.get(url("/orders/1")).header("authorization", format!("ApiKey {}", s.unknown_key))).await;
    assert_eq!(unknown.status, 401);
    let forged = send(http.get(url("/orders/1")).header("authorization", format!("Bearer {}", s.forged_token))).await;
    assert_eq!(forged.status, 401);
    const QUERY_SECRET: &str = "q-SECRET-value-4242";
    let in_query = send(with_key(http.get(url(&format!("/orders/1?access_token={QUERY_SECRET}"))))).await;
    assert_eq!(in_query.status, 400);

    // The rate limit of the `tiny` role: 2 per minute.
    for expected in [200, 200, 429] {
        let reply = send(http.get(url("/orders/2")).header("authorization", format!("Bearer {}", s.tiny_token))).await;
        assert_eq!(reply.status, expected);
    }

    // Idempotency: claimed, replayed, the key with another body, a key in
    // progress, no key.
    let pay = |key: Option<&str>, body: &str| {
        let mut req =
            with_key(http.post(url("/payments"))).header("content-type", "application/json").body(body.to_owned());
        if let Some(key) = key {
            req = req.header("idempotency-key", key);
        }
        req
    };
    assert_eq!(send(pay(Some("idem-k1"), r#"{"amount_cents":500}"#)).await.status, 201);
    assert_eq!(send(pay(Some("idem-k1"), r#"{"amount_cents":500}"#)).await.status, 201);
    assert_eq!(send(pay(Some("idem-k1"), r#"{"amount_cents":999}"#)).await.status, 422);
    let slow = tokio::spawn(send(pay(Some("idem-k2"), r#"{"amount_cents":500,"delay_ms":600}"#)));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(send(pay(Some("idem-k2"), r#"{"amount_cents":500,"delay_ms":600}"#)).await.status, 409);
    assert_eq!(slow.await.unwrap().status, 201);
    assert_eq!(send(pay(None, r#"{"amount_cents":500}"#)).await.status, 400);

    // Webhooks: a forged delivery, then an authentic one.
    const BODY: &[u8] = br#"{"invoice":"in_1"}"#;
    let forged_delivery = s.forger.sign(BODY).unwrap();
    let mut req = http.post(url("/webhooks/billing")).body(BODY);
    for (name, value) in forged_delivery.headers() {
        req = req.header(name, value);
    }
    assert_eq!(send(req).await.status, 401);
    let delivery = s.signer.sign(BODY).unwrap();
    let mut req = http.post(url("/webhooks/billing")).body(BODY);
    for (name, value) in delivery.headers() {
        req = req.header(name, value);
    }
    assert_eq!(send(req).await.status, 200);

    // CORS: a preflight from another origin, one for a method not allowed,
    // a request from another origin.
    let preflight = |origin: &str, method: &str| {
        http.request(reqwest::Method::OPTIONS, url("/orders/1"))
            .header("origin", origin)
            .header("access-control-request-method", method)
    };
    assert_eq!(send(preflight(EVIL_ORIGIN, "GET")).await.status, 403);
    assert_eq!(send(preflight(ORIGIN, "DELETE")).await.status, 403);
    assert_eq!(send(preflight(ORIGIN, "GET")).await.status, 204);
    assert_eq!(send(http.get(url("/health")).header("origin", EVIL_ORIGIN)).await.status, 200);
    assert_eq!(send(http.get(url("/health")).header("origin", ORIGIN)).await.status, 200);

    // Validation: a rejected value and an unknown field; the wrong content
    // type; a body over the route's limit; a query out of range.
    const REJECTED: &str = "Rejected-Value-That-Is-Far-Too-Long-0123456789";
    let body = format!(r#"{{"name":"{REJECTED}","nickname":"x"}}"#);
    let invalid = send(with_key(http.post(url("/users"))).header("content-type", "application/json").body(body)).await;
    assert_eq!(invalid.status, 422);
    let text = send(with_key(http.post(url("/users"))).header("content-type", "text/plain").body("x")).await;
    assert_eq!(text.status, 415);
    let large = format!(r#"{{"name":"{}"}}"#, "x".repeat(4096));
    let large = send(with_key(http.post(url("/users"))).header("content-type", "application/json").body(large)).await;
    assert_eq!(large.status, 413);
    assert_eq!(send(with_key(http.get(url("/search?year=100000")))).await.status, 422);

    // An access check.
    assert_eq!(send(with_key(http.get(url("/admin")))).await.status, 403);

    // ---- the counters, exactly.
    let c = |name: &str, labels: &[(&str, &str)]| counters.get(name, labels);
    let auth = |outcome, reason, scheme| {
        c(telemetry::AUTH_DECISIONS, &[("outcome", outcome), ("reason", reason), ("scheme", scheme)])
    };
    // 1 order + 6 payments + 4 validation requests + 1 admin, by API key.
    assert_eq!(auth("authenticated", "valid", "api_key"), 12, "{:#?}", counters.snapshot());
    assert_eq!(auth("authenticated", "valid", "bearer"), 3);
    assert_eq!(auth("refused", "unknown_key", "api_key"), 1);
    assert_eq!(auth("refused", "bad_signature", "bearer"), 1);
    assert_eq!(auth("refused", "credential_in_query", "query"), 1);
    assert_eq!(auth("anonymous", "no_credential", "none"), 0, "webhooks and /health are outside authentication");

    let rate = |outcome, limiter| c(telemetry::RATE_LIMIT_DECISIONS, &[("outcome", outcome), ("limiter", limiter)]);
    assert_eq!(rate("allowed", "default"), 12);
    assert_eq!(rate("allowed", "role"), 2);
    assert_eq!(rate("limited", "role"), 1);

    let idem = |outcome| c(telemetry::IDEMPOTENCY_DECISIONS, &[("outcome", outcome)]);
    assert_eq!(
        [idem("claimed"), idem("replayed"), idem("key_reused"), idem("in_progress"), idem("key_missing")],
        [2, 1, 1, 1, 1]
    );

    let hook = |outcome, reason| {
        c(telemetry::WEBHOOK_VERIFICATIONS, &[("outcome", outcome), ("reason", reason), ("profile", "x_webhook")])
    };
    assert_eq!(hook("refused", "bad_signature"), 1);
    assert_eq!(hook("verified", "ok"), 1);

    let cors = |request, reason| c(telemetry::CORS_REFUSALS, &[("request", request), ("reason", reason)]);
    assert_eq!([cors("preflight", "origin"), cors("preflight", "method"), cors("simple", "origin")], [1, 1, 1]);

    let invalid_code = |source, code| c(telemetry::REQUEST_VALIDATION_FAILURES, &[("source", source), ("code", code)]);
    assert_eq!(invalid_code("json", "too_long"), 1);
    assert_eq!(invalid_code("json", "unknown_field"), 1);
    assert_eq!(invalid_code("json", "unsupported_media_type"), 1);
    assert_eq!(invalid_code("query", "out_of_range"), 1);
    assert_eq!(c(telemetry::BODY_LIMIT_REFUSALS, &[("extractor", "json")]), 1);
    assert_eq!(c(telemetry::ACCESS_DENIALS, &[("check", "scope")]), 1);

    // Every counter is a documented one, every label value from its set.
    let names: Vec<&str> = telemetry::COUNTERS.iter().map(|(name, _)| *name).collect();
    for (name, labels) in counters.keys() {
        assert!(names.contains(&name.as_str()), "undocumented counter {name}");
        for (label, value) in labels {
            let allowed = documented(&label);
            if allowed.is_empty() {
                assert!(
                    value.len() <= 32 && value.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                    "{name}: {label}={value:?} is not a code"
                );
            } else {
                assert!(allowed.contains(&value.as_str()), "{name}: {label}={value:?} is not documented");
            }
        }
    }

    // ---- the events: on the request's span, with their fields.
    let refused = events.find("apishield::auth", "refused");
    let unknown_event = refused.iter().find(|l| l.field("reason") == Some("unknown_key")).expect("unknown key event");
    assert_eq!(unknown_event.request_id.as_deref(), Some(unknown.request_id.as_str()));
    assert_eq!(unknown_event.field("scheme"), Some("api_key"));
    assert_eq!(unknown_event.level, tracing::Level::INFO);
    let forged_event = refused.iter().find(|l| l.field("reason") == Some("bad_signature")).expect("forged token");
    assert_eq!(forged_event.request_id.as_deref(), Some(forged.request_id.as_str()));
    let query_event =
        refused.iter().find(|l| l.field("reason") == Some("credential_in_query")).expect("credential in query");
    assert_eq!(query_event.field("parameter"), Some("access_token"));
    assert_eq!(query_event.request_id.as_deref(), Some(in_query.request_id.as_str()));

    let limited = events.find("apishield::rate_limit", "limited");
    assert_eq!(limited.len(), 1);
    assert_eq!((limited[0].field("limiter"), limited[0].field("window")), (Some("role"), Some("minute")));
    assert!(limited[0].field("retry_after_ms").is_some());

    for outcome in ["claimed", "replayed", "key_reused", "in_progress", "key_missing"] {
        let found = events.find("apishield::idempotency", outcome);
        assert!(!found.is_empty() && found.iter().all(|l| l.request_id.is_some()), "idempotency {outcome}");
    }

    let hook_refused = events.find("apishield::webhook", "refused");
    assert_eq!(hook_refused.len(), 1);
    assert_eq!(hook_refused[0].field("reason"), Some("bad_signature"));
    assert_eq!(hook_refused[0].field("event_id"), None, "an unverified delivery's id is the sender's text");
    let hook_verified = events.find("apishield::webhook", "verified");
    assert_eq!(hook_verified[0].field("event_id"), Some(delivery.event_id()));

    let cors_events = events.find("apishield::cors", "refused");
    assert_eq!(cors_events.len(), 3);

    let validation = events.find("apishield::request", "refused");
    let body_event = validation.iter().find(|l| l.field("source") == Some("json") && l.field("status") == Some("422"));
    let body_event = body_event.expect("validation event");
    let codes: Vec<&str> = body_event.field("codes").unwrap().split(',').collect();
    assert!(codes.contains(&"too_long") && codes.contains(&"unknown_field"), "{codes:?}");
    assert_eq!(body_event.field("route"), Some("/users"));
    assert_eq!(body_event.request_id.as_deref(), Some(invalid.request_id.as_str()));
    assert_eq!(
        events.find("apishield::body_limit", "refused")[0].request_id.as_deref(),
        Some(large.request_id.as_str())
    );
    assert_eq!(events.find("apishield::access", "denied")[0].field("check"), Some("scope"));

    // ---- nothing that was sent as a secret or refused comes back.
    let forged_signature = forged_delivery.signature().to_owned();
    let secrets: Vec<(&str, &str)> = vec![
        ("the API key", &s.api_key),
        ("its prefix and random part", &s.api_key[..20]),
        ("the unknown key", &s.unknown_key),
        ("the unknown key's random part", &s.unknown_key[s.unknown_key.len() - 16..]),
        // A refused key may be a real one, expired or revoked: not even the
        // start a dashboard shows of it.
        ("the unknown key's display prefix", &s.unknown_key[..12]),
        ("the JWT", &s.tiny_token),
        ("the forged JWT's signature", s.forged_token.rsplit('.').next().unwrap()),
        ("the query's credential", QUERY_SECRET),
        ("the forged webhook signature", &forged_signature),
        ("the webhook signature", delivery.signature()),
        ("the rejected value", REJECTED),
        ("a foreign origin", EVIL_ORIGIN),
        ("the idempotency keys", "idem-k"),
    ];
    let mut everything: Vec<String> = counters.snapshot().into_keys().collect();
    for line in events.all() {
        everything.extend(line.fields.iter().map(|(name, value)| format!("{name}={value}")));
    }
    for (what, secret) in &secrets {
        for text in &everything {
            assert!(!text.contains(secret), "{what} is in {text:?}");
        }
    }
}
