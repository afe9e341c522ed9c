use apishield::prelude::*;
#[secure_request]
pub struct Signup {
    #[shield(lenght = 1..=100)]
    pub name: String,
    #[shield(max_length = 100)]
    pub city: String,
}

fn main() {}
