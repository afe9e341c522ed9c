//! A response type with an error is still a response type for the code that
//! uses it: the only error is the real one, and nothing suggests deriving
//! `Serialize`.
use apishield::prelude::*;

#[secure_response]
pub struct UserResponse {
    pub id: u64,
    pub password_hash: String,
}

#[secure_response]
pub struct Page {
    pub users: Vec<UserResponse>,
}

pub fn body(user: &UserResponse) -> String {
    serde_json::to_string(user).unwrap_or_default()
}

fn main() {}
