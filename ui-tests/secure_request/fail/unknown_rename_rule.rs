use apishield::prelude::*;

#[secure_request]
#[serde(rename_all = "camel")]
pub struct Grid {
    #[shield(range = 0..=9)]
    pub cell_count: u8,
}

fn main() {}
