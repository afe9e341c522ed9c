use apishield::prelude::*;

#[secure_response]
pub struct Audit {
    pub by: String,
}

#[secure_response]
pub struct UserResponse {
    pub id: u64,
    #[serde(flatten)]
    pub audit: Audit,
}

fn main() {}
