use std::collections::BTreeMap;

use apishield::prelude::*;

#[secure_request]
pub struct Grid {
    #[shield(max_items = 5, each(range = 0..=9))]
    pub cells: BTreeMap<Vec<u8>, u8>,
}

fn main() {}
