use apishield::prelude::*;
#[secure_request]
pub struct Rating {
    #[shield(range = ..=5.0)]
    pub score: f32,
}

fn main() {}
