use apishield::prelude::*;
#[secure_request]
pub struct Signup {
    #[shield(len = 1..=100, len = 1..=50)]
    pub name: String,
}

fn main() {}
