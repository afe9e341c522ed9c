//! `POST /webhooks/payments`: the payment provider's events, signed as
//! Standard Webhooks (`webhook-id`, `webhook-timestamp`,
//! `webhook-signature: v1,<base64>` over `{id}.{timestamp}.{body}`).
//!
//! The handler takes a `Verified<PaymentEvent>`: it runs only for a delivery
//! whose signature is right, whose timestamp is within 5 minutes, and whose
//! event id was not seen before (the sender's retries and replayed captures
//! are answered 200 without running it). A wrong signature is 401; an
//! authentic body that is not a `PaymentEvent`, 400. When processing fails,
//! the handler forgets the event and answers 503, so the provider's retry
//! is processed.

use apishield::prelude::*;
use axum::extract::State;
use axum::http::StatusCode;

use super::payments::PaymentRecord;
use crate::orders_api::state::AppState;

/// What the provider tells about a payment.
#[secure_request]
#[derive(Debug)]
pub struct PaymentEvent {
    /// `payment.succeeded` or `payment.failed`.
    #[serde(rename = "type")]
    #[shield(one_of = ["payment.succeeded", "payment.failed"])]
    pub kind: String,
    /// The payment (our id, which we gave the provider with the charge).
    #[shield(range = 1..=1_000_000_000)]
    pub payment_id: u64,
}

/// `POST /webhooks/payments`: records the payment's outcome.
pub async fn payment_event(
    State(state): State<AppState>,
    event: Verified<PaymentEvent>,
) -> Result<StatusCode, ApiError> {
    state.counters.webhook_event();
    match apply(&state, &event).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(error) => {
            // The event is recorded as seen: forget it, so that the
            // provider's retry (a 5xx asks for one) is processed, not
            // acknowledged as a duplicate and lost.
            if let Err(forget) = state.webhook.forget(&event).await {
                tracing::error!(error = %forget, "a failed webhook event could not be forgotten");
            }
            Err(error)
        }
    }
}

async fn apply(state: &AppState, event: &PaymentEvent) -> Result<(), ApiError> {
    let id = event.payment_id.to_string();
    let Some(mut payment) = state.data.get::<PaymentRecord>("payment", &id).await? else {
        // Not ours (or not yet visible): acknowledged, so the provider stops retrying.
        tracing::warn!(payment_id = event.payment_id, "webhook for an unknown payment");
        return Ok(());
    };
    payment.status = if event.kind == "payment.succeeded" { "succeeded" } else { "failed" }.to_owned();
    state.data.put("payment", &id, &payment).await?;
    if payment.status == "succeeded" {
        let order_id = payment.order_id.to_string();
        if let Some(mut order) = state.data.get::<super::orders::OrderRecord>("order", &order_id).await? {
            order.status = "paid".to_owned();
            state.data.put("order", &order_id, &order).await?;
        }
    }
    Ok(())
}
