use apishield::prelude::*;
#[secure_request]
pub struct Age {
    #[shield(range = 0..=300)]
    pub years: u8,
}

fn main() {}
