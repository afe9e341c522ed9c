use apishield::axum::SecureJson;
use apishield::prelude::*;
use axum::response::{IntoResponse, Response};

#[owned_by(user_id)]
#[secure_response]
pub struct Order {
    pub id: u64,
    pub user_id: u64,
}

pub fn list(orders: Vec<Order>) -> Response {
    SecureJson(orders).into_response()
}

fn main() {}
