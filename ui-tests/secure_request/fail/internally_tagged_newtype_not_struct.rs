use apishield::prelude::*;
#[secure_request]
#[serde(tag = "type")]
pub enum Value {
    Count(u32),
}

fn main() {}
