use apishield::prelude::*;

pub struct Service;

impl Service {
    #[idempotent]
    pub async fn create(&self, key: IdempotencyKey) -> String {
        key.as_str().to_owned()
    }
}

fn main() {}
