use apishield::prelude::*;
#[secure_request]
pub struct Point {
    pub coords: [f64; 3],
}

fn main() {}
