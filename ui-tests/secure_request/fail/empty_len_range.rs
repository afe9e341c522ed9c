use apishield::prelude::*;
#[secure_request]
pub struct Signup {
    #[shield(len = 10..=5)]
    pub name: String,
}

fn main() {}
