use apishield::prelude::*;
#[secure_request]
pub struct Rating {
    pub score: f64,
}

fn main() {}
