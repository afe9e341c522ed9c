use apishield::prelude::*;

#[secure_response(model = User)]
pub struct UserResponse {
    pub id: u64,
}

fn main() {}
