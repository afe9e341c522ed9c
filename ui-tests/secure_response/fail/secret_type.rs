use apishield::prelude::*;

use apishield::Secret;

#[secure_response]
pub struct Credentials {
    pub user: String,
    pub password: Option<Secret<String>>,
    #[shield(expose)]
    pub access_token: Secret<String>,
}

fn main() {}
