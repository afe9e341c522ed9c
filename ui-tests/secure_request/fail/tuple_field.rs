use apishield::prelude::*;
#[secure_request]
pub struct Point {
    pub xy: (i32, i32),
}

fn main() {}
