#![deny(warnings)]
//! Projection from an owned model through its check, and from plain models.
use apishield::prelude::*;

#[owned_by(user_id)]
#[secure_response]
#[derive(Debug, Clone)]
pub struct Order {
    pub id: u64,
    pub user_id: u64,
    pub total_cents: i64,
    /// Sent by the projections below, not by `Authorized<Order>` itself.
    #[shield(skip)]
    pub lines: Vec<Line>,
    pub courier_note: String,
}

/// A plain model: no owner, no annotation.
#[derive(Debug, Clone)]
pub struct Line {
    pub sku: String,
    pub quantity: u32,
}

#[secure_response(from = Line)]
pub struct LineResponse {
    pub sku: String,
    pub quantity: u32,
}

/// From `&Authorized<Order>`; nested plain models convert as before.
#[secure_response(from = Order)]
pub struct OrderSummary {
    pub id: u64,
    pub total_cents: i64,
    pub lines: Vec<LineResponse>,
}

/// The proof may also be written in the attribute.
#[secure_response(from = Authorized<Order>)]
pub struct OrderId {
    pub id: u64,
}

/// A plain model that holds owned ones: as `Authorized` values.
pub struct Account {
    pub name: String,
    pub orders: Vec<Authorized<Order>>,
}

#[secure_response(from = Account)]
pub struct AccountResponse {
    pub name: String,
    pub orders: Vec<OrderSummary>,
}

/// A plain model with a lifetime.
pub struct Label<'a> {
    pub text: &'a str,
}

#[secure_response(from = Label<'a>)]
pub struct LabelResponse<'a> {
    pub text: &'a str,
}

fn main() {
    let order = Order {
        id: 1,
        user_id: 7,
        total_cents: 250,
        lines: vec![Line { sku: "tea".into(), quantity: 2 }],
        courier_note: "fragile".into(),
    };
    let owner = Principal::new("7");
    let authorized = owner.authorize(order.clone()).unwrap();

    let summary = OrderSummary::from(&authorized);
    let json = serde_json::to_string(&summary).unwrap();
    assert_eq!(json, r#"{"id":1,"total_cents":250,"lines":[{"sku":"tea","quantity":2}]}"#);
    let into: OrderSummary = (&authorized).into();
    assert_eq!(serde_json::to_string(&into).unwrap(), json);
    assert_eq!(serde_json::to_string(&OrderId::from(&authorized)).unwrap(), r#"{"id":1}"#);

    // A list: only what the caller may see, then projected.
    let other = Order { id: 2, user_id: 8, ..order.clone() };
    let visible: Vec<OrderSummary> =
        owner.authorize_all(vec![order.clone(), other.clone()]).iter().map(OrderSummary::from).collect();
    assert_eq!(visible.len(), 1);
    let account = Account { name: "ada".into(), orders: owner.authorize_all(vec![order, other]) };
    assert_eq!(
        serde_json::to_string(&AccountResponse::from(&account)).unwrap(),
        r#"{"name":"ada","orders":[{"id":1,"total_cents":250,"lines":[{"sku":"tea","quantity":2}]}]}"#
    );

    // Plain models project from a plain reference, as always.
    let line = LineResponse::from(&Line { sku: "cup".into(), quantity: 1 });
    assert_eq!(serde_json::to_string(&line).unwrap(), r#"{"sku":"cup","quantity":1}"#);
    let label = Label { text: "new" };
    assert_eq!(serde_json::to_string(&LabelResponse::from(&label)).unwrap(), r#"{"text":"new"}"#);
}
