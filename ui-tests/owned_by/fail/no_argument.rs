use apishield::prelude::*;

#[owned_by]
#[secure_response]
pub struct Order {
    pub id: u64,
    pub user_id: u64,
}

fn main() {}
