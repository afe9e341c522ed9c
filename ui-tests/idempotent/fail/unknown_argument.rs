use apishield::prelude::*;

#[idempotent(expires = "24h")]
pub async fn create_payment(key: IdempotencyKey) -> String {
    key.as_str().to_owned()
}

fn main() {}
