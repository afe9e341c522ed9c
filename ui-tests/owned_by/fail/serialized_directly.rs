use apishield::prelude::*;

#[owned_by(user_id)]
#[secure_response]
pub struct Order {
    pub id: u64,
    pub user_id: u64,
}

pub fn leak(order: &Order) -> String {
    serde_json::to_string(order).unwrap_or_default()
}

fn main() {}
