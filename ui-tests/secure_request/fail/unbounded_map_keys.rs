use apishield::prelude::*;
use std::collections::HashMap;

#[secure_request]
pub struct Labels {
    #[shield(max_items = 10, each(len = ..=64))]
    pub labels: HashMap<String, String>,
}

fn main() {}
