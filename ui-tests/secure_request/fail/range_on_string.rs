use apishield::prelude::*;
#[secure_request]
pub struct Contact {
    #[shield(range = 1..=10)]
    pub phone: String,
}

fn main() {}
