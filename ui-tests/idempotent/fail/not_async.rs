use apishield::prelude::*;

use apishield::axum::ApiError;

#[idempotent]
pub fn create_payment(key: IdempotencyKey) -> Result<String, ApiError> {
    Ok(key.as_str().to_owned())
}

fn main() {}
