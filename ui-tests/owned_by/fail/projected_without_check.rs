//! Projecting an owned model into another response type without the
//! ownership check: `From<&Order>` exists for plain models only.
use apishield::prelude::*;

#[owned_by(user_id)]
#[secure_response]
pub struct Order {
    pub id: u64,
    pub user_id: u64,
    pub total_cents: i64,
}

#[secure_response(from = Order)]
pub struct OrderSummary {
    pub id: u64,
    pub total_cents: i64,
}

/// Any caller's order, sent to anyone.
pub fn leak(order: &Order) -> String {
    let summary = OrderSummary::from(order);
    serde_json::to_string(&summary).unwrap_or_default()
}

pub fn leak_with_into(order: &Order) -> OrderSummary {
    order.into()
}

fn main() {}
