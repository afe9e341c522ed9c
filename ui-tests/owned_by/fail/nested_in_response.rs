use apishield::prelude::*;

#[owned_by(user_id)]
#[secure_response]
pub struct Order {
    pub id: u64,
    pub user_id: u64,
}

#[secure_response]
pub struct Dashboard {
    pub latest: Option<Order>,
}

fn main() {}
