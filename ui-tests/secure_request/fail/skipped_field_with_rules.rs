use apishield::prelude::*;
#[secure_request]
pub struct Comment {
    #[shield(len = 1..=500)]
    pub text: String,
    #[serde(skip)]
    #[shield(range = 1..=10)]
    pub author_id: u64,
}

fn main() {}
