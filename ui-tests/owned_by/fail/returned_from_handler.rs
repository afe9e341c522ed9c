use apishield::prelude::*;

#[secure_response]
#[owned_by(user_id)]
pub struct Order {
    pub id: u64,
    pub user_id: u64,
}

async fn get_order() -> Order {
    Order { id: 1, user_id: 7 }
}

pub fn router() -> axum::Router {
    axum::Router::new().route("/orders/1", axum::routing::get(get_order))
}

fn main() {}
