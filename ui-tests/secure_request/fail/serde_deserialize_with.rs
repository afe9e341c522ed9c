use apishield::prelude::*;
fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    serde::Deserialize::deserialize(d)
}

#[secure_request]
pub struct Page {
    #[serde(deserialize_with = "lenient")]
    #[shield(range = 1..=10)]
    pub page: u32,
}

fn main() {}
