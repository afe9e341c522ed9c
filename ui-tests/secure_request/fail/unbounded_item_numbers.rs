use apishield::prelude::*;
#[secure_request]
pub struct Scores {
    #[shield(max_items = 10)]
    pub values: Vec<i32>,
}

fn main() {}
