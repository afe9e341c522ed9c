use apishield::prelude::*;

#[secure_request]
#[serde(tag = "type", content = "value")]
pub enum Setting {
    Volume(u8),
    Name(String),
}

fn main() {}
