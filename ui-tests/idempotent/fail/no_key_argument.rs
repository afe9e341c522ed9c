use apishield::prelude::*;

use apishield::axum::ApiError;

#[idempotent(ttl = "24h")]
pub async fn create_payment(principal: Principal) -> Result<String, ApiError> {
    Ok(principal.subject().to_owned())
}

fn main() {}
