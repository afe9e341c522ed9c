use apishield::prelude::*;

use axum::extract::Path;

#[owned_by(user_id)]
pub async fn delete_orders(principal: Principal, Path(user_id): Path<u64>) {
    let _ = (principal, user_id);
}

fn main() {}
