use apishield::prelude::*;
#[secure_request]
pub struct UpdateUser {
    #[shield(len = 1..=100)]
    pub name: String,
    #[shield(len = 1..=20)]
    pub role: String,
    pub is_admin: bool,
}

fn main() {}
