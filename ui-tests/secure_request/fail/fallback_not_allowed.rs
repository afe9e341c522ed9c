use apishield::prelude::*;
#[secure_request]
pub struct Invite {
    #[shield(one_of = ["user", "viewer"], fallback = "admin")]
    pub role: String,
}

fn main() {}
