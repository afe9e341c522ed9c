use apishield::prelude::*;
#[secure_request]
pub struct Post {
    #[shield(len = 1..=50_000)]
    pub body: String,
}

fn main() {}
