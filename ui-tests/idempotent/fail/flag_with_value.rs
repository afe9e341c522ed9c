use apishield::prelude::*;

#[idempotent(rerun_abandoned = true, keep_server_errors, keep_server_errors)]
pub async fn recount(key: IdempotencyKey) -> String {
    key.as_str().to_owned()
}

fn main() {}
