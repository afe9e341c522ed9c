use apishield::prelude::*;
use std::collections::BTreeMap;

#[secure_request(query)]
pub struct Filter {
    #[shield(max_items = 5, keys(len = ..=10), each(len = ..=10))]
    pub by: BTreeMap<String, String>,
}

fn main() {}
