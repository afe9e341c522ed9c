#![deny(warnings)]
//! Every accepted shape of an #[idempotent] handler, routed by axum.
use apishield::axum::{ApiError, SecureJson};
use apishield::prelude::*;
use axum::extract::{FromRef, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{delete, post};

#[secure_request]
pub struct CreatePayment {
    #[shield(range = 1..=1_000_000)]
    pub amount_cents: u64,
}

#[secure_response]
pub struct Payment {
    pub id: u64,
    pub amount_cents: u64,
}

/// A state of the application's own: it says where idempotency records
/// live.
#[derive(Clone)]
pub struct AppState {
    idempotency: Idempotency,
}

impl FromRef<AppState> for Idempotency {
    fn from_ref(state: &AppState) -> Self {
        state.idempotency.clone()
    }
}

/// A body extractor last: it runs after the key is claimed.
#[idempotent(ttl = "24h")]
async fn create_payment(
    key: IdempotencyKey,
    principal: Principal,
    SecureJson(req): SecureJson<CreatePayment>,
) -> Result<(StatusCode, SecureJson<Payment>), ApiError> {
    let _ = (key.as_str(), principal.subject());
    Ok((StatusCode::CREATED, SecureJson(Payment { id: 1, amount_cents: req.amount_cents })))
}

/// No body; state; `impl IntoResponse`; an unnamed key; a lock time.
#[idempotent(ttl = "1h30m", lock = "10s")]
async fn cancel(State(_state): State<AppState>, _: IdempotencyKey, Path(id): Path<u64>) -> impl IntoResponse {
    format!("cancelled {id}")
}

/// The key last, no body; safe to repeat, and its 5xx answers are kept.
#[idempotent(rerun_abandoned, keep_server_errors)]
async fn refund(Path(id): Path<u64>, key: IdempotencyKey) -> Result<String, ApiError> {
    if id == 0 {
        return Err(ApiError::not_found());
    }
    Ok(format!("refund {id} {}", key.as_str()))
}

fn main() {
    let state = AppState { idempotency: Idempotency::new(MemoryIdempotencyStore::default()) };
    let _router: axum::Router = axum::Router::new()
        .route("/payments", post(create_payment))
        .route("/payments/{id}", delete(cancel))
        .route("/payments/{id}/refund", post(refund))
        .with_state(state);
    // A router without state: the process's in-memory store.
    let _stateless: axum::Router = axum::Router::new().route("/payments", post(create_payment));
    // Idempotency as the state itself.
    let _only: axum::Router =
        axum::Router::new().route("/payments", post(create_payment)).with_state(Idempotency::memory());
}
