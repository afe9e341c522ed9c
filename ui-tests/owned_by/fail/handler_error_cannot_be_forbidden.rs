use apishield::prelude::*;

use axum::extract::Path;

#[derive(Debug)]
pub struct MyError;

#[owned_by(user_id)]
pub async fn list_orders(principal: Principal, Path(user_id): Path<u64>) -> Result<String, MyError> {
    let _ = principal;
    Ok(format!("orders of {user_id}"))
}

fn main() {}
