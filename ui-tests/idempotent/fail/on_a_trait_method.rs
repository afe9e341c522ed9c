use apishield::prelude::*;

pub trait Payments {
    #[idempotent]
    async fn create(&self, key: IdempotencyKey) -> String;
}

fn main() {}
