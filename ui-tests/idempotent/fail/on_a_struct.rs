use apishield::prelude::*;

#[idempotent]
pub struct Payment {
    pub id: u64,
}

fn main() {}
