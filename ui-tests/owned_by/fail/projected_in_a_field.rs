//! A plain model that holds owned ones: its response type cannot project
//! them without their check.
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

pub struct Shop {
    pub name: String,
    pub orders: Vec<Order>,
}

#[secure_response(from = Shop)]
pub struct ShopResponse {
    pub name: String,
    pub orders: Vec<OrderId>,
}

fn main() {}
