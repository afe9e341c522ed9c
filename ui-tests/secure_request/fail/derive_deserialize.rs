use apishield::prelude::*;
#[secure_request]
#[derive(Debug, serde::Deserialize)]
pub struct Login {
    #[shield(len = 1..=64)]
    pub username: String,
}

fn main() {}
