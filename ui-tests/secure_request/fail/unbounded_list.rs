use apishield::prelude::*;
#[secure_request]
pub struct Batch {
    #[shield(each(range = 1..=10))]
    pub ids: Vec<u32>,
}

fn main() {}
