use apishield::prelude::*;
#[secure_request(query)]
pub struct ListOrders {
    #[shield(range = 1..=1000, default)]
    pub limit: u32,
}

fn main() {}
