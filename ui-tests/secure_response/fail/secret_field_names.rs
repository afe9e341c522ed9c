use apishield::prelude::*;

#[secure_response]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    pub id: u64,
    pub password_hash: String,
    pub user_password: String,
    pub stripe_secret: String,
    pub session_token: String,
    pub internal_notes: String,
    pub ssn: String,
    #[serde(rename = "apiKey")]
    pub key_for_integrations: String,
}

fn main() {}
