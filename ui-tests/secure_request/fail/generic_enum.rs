use apishield::prelude::*;
#[secure_request]
#[serde(tag = "type")]
pub enum Wrapper<T> {
    One { value: T },
}

fn main() {}
