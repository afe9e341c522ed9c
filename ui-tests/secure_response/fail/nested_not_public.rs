use apishield::prelude::*;

pub struct Address {
    pub street: String,
}

#[secure_response]
pub struct UserResponse {
    pub id: u64,
    pub address: Option<Address>,
    pub previous: Vec<Address>,
}

fn main() {}
