use apishield::prelude::*;
#[secure_request]
pub struct Invite {
    #[shield(one_of = [ROLE_USER, "viewer"])]
    pub role: String,
}

fn main() {}
