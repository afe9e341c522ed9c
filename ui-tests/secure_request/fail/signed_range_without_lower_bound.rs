use apishield::prelude::*;
#[secure_request]
pub struct Adjust {
    #[shield(range = ..=100)]
    pub delta: i32,
}

fn main() {}
