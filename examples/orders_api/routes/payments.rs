//! Payments of orders: `POST /payments` (idempotent: it charges money) and
//! `GET /payments/{payment_id}`.
//!
//! `#[idempotent]` makes a client's retry safe: the same `Idempotency-Key`
//! and body get the recorded answer (`Idempotent-Replayed: true`) without a
//! second charge; the same key with another body is 422, and while the
//! first request still runs, 409. With Redis the record is shared, so a
//! retry that lands on another instance is answered the same.

use apishield::prelude::*;
use axum::extract::State;

use super::Id;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::orders;
use crate::orders_api::state::AppState;

/// A payment as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentRecord {
    /// Its id.
    pub id: u64,
    /// The order it pays.
    pub order_id: u64,
    /// The payer (the order's owner).
    pub user_id: String,
    /// In cents.
    pub amount_cents: u64,
    /// `card` or `bank_transfer`.
    pub method: String,
    /// `pending`, then `succeeded` or `failed` (from the provider's webhook).
    pub status: String,
}

/// A payment: only to its payer (or an admin).
#[owned_by(user_id)]
#[secure_response]
#[derive(Debug)]
pub struct Payment {
    /// Its id.
    pub id: u64,
    /// The order it pays.
    pub order_id: u64,
    /// The payer.
    pub user_id: String,
    /// In cents.
    pub amount_cents: u64,
    /// `card` or `bank_transfer`.
    pub method: String,
    /// `pending`, `succeeded`, `failed`.
    pub status: String,
}

impl From<PaymentRecord> for Payment {
    fn from(r: PaymentRecord) -> Payment {
        Payment {
            id: r.id,
            order_id: r.order_id,
            user_id: r.user_id,
            amount_cents: r.amount_cents,
            method: r.method,
            status: r.status,
        }
    }
}

/// A payment to make: which order, how. The amount is the order's.
#[secure_request]
#[derive(Debug)]
pub struct CreatePayment {
    /// The order to pay.
    #[shield(range = 1..=1_000_000_000)]
    pub order_id: u64,
    /// How.
    #[shield(one_of = ["card", "bank_transfer"])]
    pub method: String,
}

/// `POST /payments`: pays an order of the caller's. Needs an
/// `Idempotency-Key` (400 without one) and the `payments:write` scope.
#[requires_scope("payments:write")]
#[idempotent(ttl = "24h")]
pub async fn create(
    _key: IdempotencyKey,
    principal: Principal,
    State(state): State<AppState>,
    SecureJson(req): SecureJson<CreatePayment>,
) -> Result<(StatusCode, Authorized<Payment>), ApiError> {
    let order = orders::find(&state, req.order_id).await?;
    // Only the order's owner (or an admin) pays it.
    let order = principal.authorize(orders::Order::from(order))?;
    // The payment is recorded before the charge: a store failure answers
    // 503 (which frees the key for the retry) only while nothing was
    // charged. Nothing after the charge can fail.
    let id = state.data.next_id("payment").await?;
    let record = PaymentRecord {
        id,
        order_id: order.id,
        user_id: order.user_id.clone(),
        amount_cents: order.total_cents,
        method: req.method,
        status: "pending".to_owned(),
    };
    state.data.put("payment", &id.to_string(), &record).await?;
    let payment = principal.authorize(Payment::from(record))?;
    state.counters.payment_created();
    // The charge at the payment provider; its outcome arrives by webhook.
    tokio::time::sleep(state.provider_latency).await;
    Ok((StatusCode::CREATED, payment))
}

/// `GET /payments/{payment_id}`: one payment, to its payer or an admin.
pub async fn get(
    principal: Principal,
    State(state): State<AppState>,
    Id(payment_id): Id,
) -> Result<Authorized<Payment>, ApiError> {
    let record: PaymentRecord =
        state.data.get("payment", &payment_id.to_string()).await?.ok_or_else(ApiError::not_found)?;
    Ok(principal.authorize(Payment::from(record))?)
}
