use apishield::prelude::*;

#[secure_response]
pub struct UserResponse {
    #[shield(expose)]
    pub name: String,
}

fn main() {}
