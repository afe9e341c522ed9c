use apishield::prelude::*;
#[secure_request]
pub struct Contact {
    #[shield(len = ..=10, max_items = 3)]
    pub phone: String,
}

fn main() {}
