use apishield::prelude::*;

#[secure_response]
#[derive(serde::Serialize)]
pub struct UserResponse {
    pub id: u64,
}

fn main() {}
