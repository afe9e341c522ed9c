use apishield::prelude::*;
#[secure_request]
pub struct UpdateUser {
    #[shield(len = 1..=100, client_settable)]
    pub name: String,
}

fn main() {}
