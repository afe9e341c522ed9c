use apishield::prelude::*;
#[secure_request]
pub struct Paging {
    #[shield(range = 1..=100)]
    pub page: u32,
}

#[secure_request]
pub struct Search {
    #[shield(len = ..=100)]
    pub q: String,
    #[serde(flatten)]
    pub paging: Paging,
}

fn main() {}
