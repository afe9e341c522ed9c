use apishield::prelude::*;
#[secure_request]
pub struct Batch {
    #[shield(max_items = 5_000, each(range = 1..=10))]
    pub ids: Vec<u32>,
}

fn main() {}
