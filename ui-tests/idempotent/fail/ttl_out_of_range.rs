use apishield::prelude::*;

use apishield::axum::ApiError;

#[idempotent(ttl = "30d")]
pub async fn create_payment(key: IdempotencyKey) -> Result<String, ApiError> {
    Ok(key.as_str().to_owned())
}

#[idempotent(ttl = "0s")]
pub async fn create_refund(key: IdempotencyKey) -> Result<String, ApiError> {
    Ok(key.as_str().to_owned())
}

fn main() {}
