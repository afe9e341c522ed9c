use apishield::prelude::*;
#[secure_request(query)]
pub struct ListOrders {
    #[shield(range = 1..=50)]
    pub page_size: Option<u32>,
}

fn main() {}
