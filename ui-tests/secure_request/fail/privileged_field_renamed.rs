use apishield::prelude::*;
#[secure_request]
#[serde(rename_all = "camelCase")]
pub struct UpdateUser {
    #[shield(len = 1..=100)]
    pub display_name: String,
    #[serde(rename = "emailVerified")]
    pub confirmed: bool,
    #[shield(range = 0..=1_000_000)]
    pub account_id: u64,
}

fn main() {}
