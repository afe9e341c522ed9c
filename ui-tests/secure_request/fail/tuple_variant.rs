use apishield::prelude::*;
#[secure_request]
#[serde(tag = "type")]
pub enum Shape {
    Rect(u32, u32),
}

fn main() {}
