//! The generated entry points behind `Authorized<T>` and `from = Model`
//! cannot serialize or project an owned value without its check.
use apishield::prelude::*;

#[owned_by(user_id)]
#[secure_response]
pub struct Order {
    pub id: u64,
    pub user_id: u64,
}

#[secure_response(from = Order)]
pub struct OrderId {
    pub id: u64,
}

pub fn serialize_without_check(order: &Order) -> String {
    let mut out = Vec::new();
    let _ = Order::__serialize(order, &mut serde_json::Serializer::new(&mut out));
    String::from_utf8(out).unwrap_or_default()
}

pub fn project_without_check(order: &Order) -> OrderId {
    <OrderId as apishield::__private::FromModel<Order>>::from_model(order)
}

fn main() {}
