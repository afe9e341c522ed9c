//! A small shop API's routes and their security audit: the security
//! reference's Quick Security Review Checklist, per route and per item.
//!
//! ```text
//! cargo run --example audit              # the terminal table
//! cargo run --example audit markdown     # Markdown, for a pull request
//! cargo run --example audit json         # JSON, for CI and snapshot tests
//! ```
//!
//! The service is nearly clean: one legacy search endpoint reads and answers
//! raw JSON (the audit flags it), and HTTPS is left to a proxy the program
//! cannot see (the audit says so).

use std::time::Duration;

use apishield::audit::{Audit, Policy};
use apishield::auth::jwt::{JwtAlgorithm, JwtKey, JwtValidator};
use apishield::axum::{
    ApiError, AuthenticationLayer, Idempotency, RateLimitLayer, SafeDefaults, SecureJson, WebhookEndpoint,
};
use apishield::prelude::*;
use apishield::routing::{Routes, get, post};
use apishield::webhook::WebhookVerifier;
use axum::extract::{FromRef, Path};
use axum::http::StatusCode;

/// The identity provider's Ed25519 public key (the test key of
/// `tests/fixtures/keys`; a real service reads its issuer's JWK set).
const IDP_PUBLIC_KEY: &str = "-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAOCBoJp+J34zV/AywOYaW6QLTNJKM8j5m7dR9BFmE9NA=
-----END PUBLIC KEY-----
";

/// A payment to make.
#[secure_request]
#[derive(Debug)]
pub struct CreatePayment {
    /// In cents.
    #[shield(range = 1..=1_000_000)]
    pub amount_cents: u64,
    /// ISO 4217.
    #[shield(one_of = ["EUR", "USD"])]
    pub currency: String,
}

/// A refund, by support staff.
#[secure_request]
#[derive(Debug)]
pub struct Refund {
    /// In cents.
    #[shield(range = 1..=1_000_000)]
    pub amount_cents: u64,
    /// Why.
    #[shield(len = 1..=500, trim)]
    pub reason: String,
}

/// What a payment looks like to its payer.
#[secure_response]
#[derive(Debug)]
pub struct Payment {
    /// Its id.
    pub id: u64,
    /// `pending`, `paid`.
    pub status: String,
}

/// The caller's own profile.
#[secure_response]
#[derive(Debug)]
pub struct Profile {
    /// Their id.
    pub id: String,
}

/// An order: it leaves the server only to its owner (or an admin).
#[owned_by(user_id)]
#[secure_response]
#[derive(Debug)]
pub struct Order {
    /// Its id.
    pub id: u64,
    /// Its owner.
    pub user_id: u64,
    /// In cents.
    pub total_cents: u64,
}

/// The billing provider's event.
#[derive(Debug, serde::Deserialize)]
pub struct InvoicePaid {
    /// The invoice.
    pub invoice: String,
}

#[public]
async fn health() -> &'static str {
    "ok"
}

async fn me(principal: Principal) -> SecureJson<Profile> {
    SecureJson(Profile { id: principal.subject().to_owned() })
}

async fn order(principal: Principal, Path(order_id): Path<u64>) -> Result<Authorized<Order>, ApiError> {
    let order = Order { id: order_id, user_id: 7, total_cents: 1200 };
    Ok(principal.authorize(order)?)
}

#[owned_by(user_id)]
async fn user_payments(principal: Principal, Path(user_id): Path<u64>) -> Result<SecureJson<Vec<Payment>>, ApiError> {
    let _ = (principal, user_id);
    Ok(SecureJson(Vec::new()))
}

#[requires_scope("payments:write")]
#[idempotent(ttl = "24h")]
async fn create_payment(
    _key: IdempotencyKey,
    principal: Principal,
    SecureJson(req): SecureJson<CreatePayment>,
) -> Result<(StatusCode, SecureJson<Payment>), ApiError> {
    let _ = (principal, req.currency);
    Ok((StatusCode::CREATED, SecureJson(Payment { id: req.amount_cents, status: "pending".to_owned() })))
}

#[requires_role("admin", "support")]
#[idempotent]
async fn refund(
    _key: IdempotencyKey,
    Path(payment_id): Path<u64>,
    SecureJson(req): SecureJson<Refund>,
) -> Result<StatusCode, ApiError> {
    let _ = (payment_id, req.amount_cents, req.reason);
    Ok(StatusCode::ACCEPTED)
}

/// A legacy endpoint: raw JSON in and out, which the audit flags.
async fn search(
    principal: Principal,
    axum::Json(query): axum::Json<serde_json::Value>,
) -> axum::Json<serde_json::Value> {
    let _ = principal;
    axum::Json(query)
}

async fn invoice_paid(event: Verified<InvoicePaid>) -> StatusCode {
    let _ = &event.invoice;
    StatusCode::NO_CONTENT
}

/// What the handlers read from the router: the webhook endpoint and the
/// idempotency store.
#[derive(Clone)]
struct AppState {
    webhook: WebhookEndpoint,
    idempotency: Idempotency,
}

impl FromRef<AppState> for WebhookEndpoint {
    fn from_ref(state: &AppState) -> Self {
        state.webhook.clone()
    }
}

impl FromRef<AppState> for Idempotency {
    fn from_ref(state: &AppState) -> Self {
        state.idempotency.clone()
    }
}

/// The service's routes, with authentication, rate limits and the safe
/// defaults around them.
fn routes() -> Result<Routes, Box<dyn std::error::Error>> {
    let key = JwtKey::from_pem(JwtAlgorithm::EdDSA, IDP_PUBLIC_KEY.as_bytes())?;
    let validator = JwtValidator::builder(key)
        .issuer("https://id.example.com")
        .audience("shop-api")
        .max_lifetime(Duration::from_secs(10 * 60))
        .build();
    // In production: WebhookSecret::from_standard(&std::env::var("BILLING_WEBHOOK_SECRET")?)
    let webhook = WebhookEndpoint::new(WebhookVerifier::standard(WebhookSecret::generate()?));

    let state = AppState { webhook, idempotency: Idempotency::memory() };
    let admin = Routes::new().route("/refunds/{payment_id}", post(refund));
    Ok(Routes::new()
        .route("/health", get(health))
        .route("/me", get(me))
        .route("/orders/{order_id}", get(order))
        .route("/orders/search", post(search))
        .route("/users/{user_id}/payments", get(user_payments))
        .route("/payments", post(create_payment))
        .nest("/admin", admin)
        .route("/webhooks/billing", post(invoice_paid))
        .layer(RateLimitLayer::new(MemoryRateLimiter::new(RateLimitPolicy::free())))
        .layer(AuthenticationLayer::new().jwt(validator))
        .safe_defaults(SafeDefaults::new(cors! {
            origins: ["https://shop.example.com"],
            methods: [GET, POST],
            headers: ["Authorization", "Content-Type", "Idempotency-Key"],
            credentials: true,
        }))
        .with_state(state))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The search is a read sent as POST: exempt from idempotency, nothing else.
    let policy = Policy::recommended().exempt("POST", "/orders/search");
    let audit = Audit::of(&routes()?).retain_types(|t| t.module.starts_with(module_path!())).with_policy(&policy);
    match std::env::args().nth(1).as_deref() {
        None | Some("table") => print!("{audit}"),
        Some("markdown") => print!("{}", audit.to_markdown()),
        Some("json") => println!("{:#}", audit.to_json()),
        Some(other) => return Err(format!("unknown format `{other}`: table, markdown or json").into()),
    }
    Ok(())
}
