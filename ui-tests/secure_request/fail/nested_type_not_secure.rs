use apishield::prelude::*;
pub struct Address {
    pub street: String,
}

#[secure_request]
pub struct Signup {
    pub address: Address,
}

fn main() {}
