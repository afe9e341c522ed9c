use apishield::prelude::*;
#[secure_request]
pub enum Shape {
    Circle {
        #[shield(range = 0.0..=100.0)]
        radius: f64,
    },
    Empty,
}

fn main() {}
