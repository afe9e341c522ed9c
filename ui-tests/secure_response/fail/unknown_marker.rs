use apishield::prelude::*;

#[secure_response]
pub struct UserResponse {
    #[shield(redact)]
    pub email: String,
}

fn main() {}
