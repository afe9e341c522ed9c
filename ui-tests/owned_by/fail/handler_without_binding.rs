use apishield::prelude::*;

use apishield::axum::ApiError;
use axum::extract::Path;

#[owned_by(user_id)]
pub async fn list_orders(principal: Principal, Path(id): Path<u64>) -> Result<String, ApiError> {
    Ok(format!("orders of {id} for {}", principal.subject()))
}

fn main() {}
