use apishield::prelude::*;
#[secure_request]
pub struct Contact {
    #[shield(len = 1..=10)]
    pub phone: u32,
}

fn main() {}
