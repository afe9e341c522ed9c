use apishield::prelude::*;
#[secure_request(query)]
pub struct Export {
    #[shield(len = ..=64)]
    pub api_key: String,
    #[shield(len = ..=2048)]
    pub access_token: Option<String>,
}

fn main() {}
