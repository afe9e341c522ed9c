use apishield::prelude::*;
#[secure_request]
pub struct Post {
    #[shield(len = 1..=5_000, allow_large)]
    pub body: String,
}

fn main() {}
