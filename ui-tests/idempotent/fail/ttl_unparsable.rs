use apishield::prelude::*;

use apishield::axum::ApiError;

#[idempotent(ttl = "one day")]
pub async fn create_payment(key: IdempotencyKey) -> Result<String, ApiError> {
    Ok(key.as_str().to_owned())
}

fn main() {}
