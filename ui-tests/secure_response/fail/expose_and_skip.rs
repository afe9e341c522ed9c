use apishield::prelude::*;

#[secure_response]
pub struct TokenResponse {
    #[shield(expose, skip)]
    pub access_token: String,
}

fn main() {}
