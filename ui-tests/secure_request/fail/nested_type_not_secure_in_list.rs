use apishield::prelude::*;
pub struct Item {
    pub sku: String,
}

#[secure_request]
pub struct Order {
    #[shield(max_items = 50)]
    pub items: Vec<Option<Item>>,
}

fn main() {}
