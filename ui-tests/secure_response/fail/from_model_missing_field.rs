use apishield::prelude::*;

pub struct User {
    pub id: u64,
    pub full_name: String,
}

#[secure_response(from = User)]
pub struct UserResponse {
    pub id: u64,
    pub name: String,
}

fn main() {}
