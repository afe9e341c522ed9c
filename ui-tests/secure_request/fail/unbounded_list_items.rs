use apishield::prelude::*;
#[secure_request]
pub struct Tagging {
    #[shield(max_items = 20)]
    pub tags: Vec<String>,
}

fn main() {}
