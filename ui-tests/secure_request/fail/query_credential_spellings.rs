use apishield::prelude::*;

#[secure_request(query)]
pub struct Export {
    #[shield(len = ..=64)]
    pub x_api_key: Option<String>,
    #[shield(len = ..=64)]
    pub auth: Option<String>,
    #[shield(len = ..=2048)]
    pub authorization: Option<String>,
    #[shield(len = ..=2048)]
    pub bearer: Option<String>,
    #[shield(len = ..=64)]
    pub api_token: Option<String>,
    #[shield(len = ..=4096)]
    pub private_key: Option<String>,
    #[serde(rename = "api_key[]")]
    #[shield(max_items = 3, each(len = ..=64))]
    pub keys: Option<Vec<String>>,
    #[serde(alias = "access_token")]
    #[shield(len = ..=64)]
    pub cursor: Option<String>,
}

fn main() {}
