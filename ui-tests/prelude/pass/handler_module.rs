#![deny(warnings)]
//! A handler module as the README writes it: every apishield name comes from
//! `use apishield::prelude::*` (axum's own names come from axum).
use std::net::SocketAddr;

use apishield::prelude::*;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;

#[secure_request]
pub struct CreatePayment {
    #[shield(range = 1..=1_000_000)]
    pub amount_cents: u64,
    #[shield(one_of = ["EUR", "USD"])]
    pub currency: String,
}

#[secure_request(query)]
pub struct ListOrders {
    #[shield(range = 1..=100, default)]
    pub limit: u32,
}

#[secure_response]
pub struct Payment {
    pub id: u64,
    pub amount_cents: u64,
}

#[owned_by(user_id)]
#[secure_response]
pub struct Order {
    pub id: u64,
    pub user_id: u64,
    pub total_cents: i64,
}

#[derive(serde::Deserialize)]
pub struct InvoicePaid {
    pub invoice: String,
}

#[idempotent(ttl = "24h")]
async fn create_payment(
    key: IdempotencyKey,
    principal: Principal,
    SecureJson(req): SecureJson<CreatePayment>,
) -> Result<SecureJson<Payment>, ApiError> {
    let _ = (key.as_str(), principal.subject(), req.currency);
    Ok(SecureJson(Payment { id: 1, amount_cents: req.amount_cents }))
}

#[owned_by(user_id)]
async fn list_orders(
    principal: Principal,
    Path(user_id): Path<u64>,
    SecureQuery(query): SecureQuery<ListOrders>,
) -> Result<SecureJson<Vec<Authorized<Order>>>, ApiError> {
    let orders = (0..u64::from(query.limit)).map(|id| Order { id, user_id, total_cents: 1250 });
    Ok(SecureJson(principal.authorize_all(orders)))
}

async fn invoice_paid(event: Verified<InvoicePaid>) -> StatusCode {
    let _ = &event.invoice;
    StatusCode::NO_CONTENT
}

async fn whoami(id: RequestId, principal: Option<Principal>) -> String {
    format!("{id}: {}", principal.map(|p| p.subject().to_owned()).unwrap_or_default())
}

fn app(keys: ApiKeyVerifier<MemoryApiKeyStore>, webhook_secret: WebhookSecret) -> Router {
    let webhooks = WebhookEndpoint::new(WebhookVerifier::standard(webhook_secret));
    let app = Router::new()
        .route("/payments", post(create_payment))
        .route("/users/{user_id}/orders", get(list_orders))
        .route("/whoami", get(whoami))
        .route("/webhooks/billing", post(invoice_paid).with_state(webhooks))
        .layer(
            RateLimitLayer::new(MemoryRateLimiter::new(RateLimitPolicy::free()))
                .role("paid", MemoryRateLimiter::new(RateLimitPolicy::paid()))
                .anonymous(MemoryRateLimiter::new(RateLimitPolicy::unauthenticated())),
        )
        .layer(AuthenticationLayer::new().api_keys(keys).failed_attempts(FailedAuthLimit::new()))
        .with_state(Idempotency::new(MemoryIdempotencyStore::default()));
    SafeDefaults::new(cors! {
        origins: ["https://app.example.com"],
        methods: [GET, POST],
        headers: ["Authorization", "Content-Type"],
    })
    .apply(app)
}

fn main() {
    let _ = app;
    let _ = |router: Router| router.into_make_service_with_connect_info::<SocketAddr>();
}
