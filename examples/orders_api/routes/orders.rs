//! Orders, owned by the user who placed them: `POST /orders`,
//! `GET /orders`, `GET /orders/{order_id}`, `PUT /orders/{order_id}`.
//!
//! `Order` is `#[owned_by(user_id)]`: it leaves the server only as an
//! `Authorized<Order>`, which only `principal.authorize(order)` makes (its
//! owner or an admin; 403 for anyone else). A handler that forgot the check
//! would not compile.

use apishield::prelude::*;
use axum::extract::State;

use super::Id;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::orders_api::state::AppState;

/// An order as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OrderRecord {
    /// Its id.
    pub id: u64,
    /// Its owner (the user who placed it).
    pub user_id: String,
    /// What was ordered.
    pub item: String,
    /// How many.
    pub quantity: u32,
    /// Price of one, in cents.
    pub unit_price_cents: u64,
    /// A note for the courier.
    pub note: Option<String>,
    /// `open`, `paid`.
    pub status: String,
}

/// An order: only to its owner (or an admin).
#[owned_by(user_id)]
#[secure_response]
#[derive(Debug)]
pub struct Order {
    /// Its id.
    pub id: u64,
    /// Its owner.
    pub user_id: String,
    /// What was ordered.
    pub item: String,
    /// How many.
    pub quantity: u32,
    /// Total, in cents.
    pub total_cents: u64,
    /// A note for the courier.
    pub note: Option<String>,
    /// `open`, `paid`.
    pub status: String,
}

impl From<OrderRecord> for Order {
    fn from(r: OrderRecord) -> Order {
        let total_cents = r.unit_price_cents.saturating_mul(u64::from(r.quantity));
        Order {
            id: r.id,
            user_id: r.user_id,
            item: r.item,
            quantity: r.quantity,
            total_cents,
            note: r.note,
            status: r.status,
        }
    }
}

/// A new order. The owner is the caller, never a field of the body.
#[secure_request]
#[derive(Debug)]
pub struct CreateOrder {
    /// What to order.
    #[shield(len = 1..=100, trim)]
    pub item: String,
    /// How many.
    #[shield(range = 1..=99)]
    pub quantity: u32,
    /// Price of one, in cents.
    #[shield(range = 1..=1_000_000)]
    pub unit_price_cents: u64,
    /// A note for the courier.
    #[shield(len = ..=200, trim)]
    pub note: Option<String>,
}

/// What may change of an order: its note and quantity.
#[secure_request]
#[derive(Debug)]
pub struct UpdateOrder {
    /// A note for the courier.
    #[shield(len = ..=200, trim)]
    pub note: Option<String>,
    /// How many.
    #[shield(range = 1..=99)]
    pub quantity: Option<u32>,
}

/// The order with this id, as stored (404 if there is none).
pub(crate) async fn find(state: &AppState, order_id: u64) -> Result<OrderRecord, ApiError> {
    state.data.get("order", &order_id.to_string()).await?.ok_or_else(ApiError::not_found)
}

/// The orders with these ids (ids without a record are skipped).
pub(crate) async fn find_all(state: &AppState, ids: Vec<String>) -> Result<Vec<Order>, ApiError> {
    let mut ids: Vec<u64> = ids.iter().filter_map(|id| id.parse().ok()).collect();
    ids.sort_unstable();
    let mut orders = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(record) = state.data.get::<OrderRecord>("order", &id.to_string()).await? {
            orders.push(Order::from(record));
        }
    }
    Ok(orders)
}

/// `POST /orders`: places an order for the caller. Idempotent: a retry
/// with the same `Idempotency-Key` gets the same order, not a second one.
#[requires_scope("orders:write")]
#[idempotent(ttl = "24h")]
pub async fn create(
    _key: IdempotencyKey,
    principal: Principal,
    State(state): State<AppState>,
    SecureJson(req): SecureJson<CreateOrder>,
) -> Result<(StatusCode, Authorized<Order>), ApiError> {
    let id = state.data.next_id("order").await?;
    let record = OrderRecord {
        id,
        user_id: principal.subject().to_owned(),
        item: req.item,
        quantity: req.quantity,
        unit_price_cents: req.unit_price_cents,
        note: req.note,
        status: "open".to_owned(),
    };
    // The indexes first, the record last: a store failure before the
    // record is written leaves only index entries that lists skip, so the
    // 503 (which frees the key) created no order, and the retry creates one.
    state.data.add(&format!("orders-of:{}", record.user_id), &id.to_string()).await?;
    state.data.add("orders", &id.to_string()).await?;
    state.data.put("order", &id.to_string(), &record).await?;
    Ok((StatusCode::CREATED, principal.authorize(Order::from(record))?))
}

/// `GET /orders`: the caller's orders.
pub async fn list(
    principal: Principal,
    State(state): State<AppState>,
) -> Result<SecureJson<Vec<Authorized<Order>>>, ApiError> {
    let ids = state.data.members(&format!("orders-of:{}", principal.subject())).await?;
    Ok(SecureJson(principal.authorize_all(find_all(&state, ids).await?)))
}

/// `GET /orders/{order_id}`: one order, to its owner or an admin.
pub async fn get(
    principal: Principal,
    State(state): State<AppState>,
    Id(order_id): Id,
) -> Result<Authorized<Order>, ApiError> {
    let order = Order::from(find(&state, order_id).await?);
    Ok(principal.authorize(order)?)
}

/// `PUT /orders/{order_id}`: changes an order's note or quantity, for its
/// owner or an admin. The check comes before any change.
#[requires_scope("orders:write")]
pub async fn update(
    principal: Principal,
    State(state): State<AppState>,
    Id(order_id): Id,
    SecureJson(req): SecureJson<UpdateOrder>,
) -> Result<Authorized<Order>, ApiError> {
    let mut record = find(&state, order_id).await?;
    // Authorize the stored order before touching it.
    principal.authorize(Order::from(record.clone()))?;
    if req.note.is_some() {
        record.note = req.note;
    }
    if let Some(quantity) = req.quantity {
        if record.status != "open" {
            return Err(ApiError::conflict("order_not_open"));
        }
        record.quantity = quantity;
    }
    state.data.put("order", &order_id.to_string(), &record).await?;
    Ok(principal.authorize(Order::from(record))?)
}
