use apishield::prelude::*;

#[owned_by(user_id)]
#[secure_response]
#[derive(serde::Serialize)]
pub struct Order {
    pub id: u64,
    pub user_id: u64,
}

fn main() {}
