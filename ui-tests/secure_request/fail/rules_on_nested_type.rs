use apishield::prelude::*;
#[secure_request]
pub struct Address {
    #[shield(len = 1..=10)]
    pub zip: String,
}

#[secure_request]
pub struct Signup {
    #[shield(len = 1..=10)]
    pub address: Address,
}

fn main() {}
