use apishield::prelude::*;
#[secure_request]
pub struct Page {
    #[serde(default)]
    #[shield(range = 1..=10)]
    pub page: u32,
}

fn main() {}
