use apishield::prelude::*;
#[secure_request]
pub struct Contact {
    #[shield(email, range = 0..=10)]
    pub phone: u32,
}

fn main() {}
