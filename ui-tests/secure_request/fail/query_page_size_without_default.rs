use apishield::prelude::*;
#[secure_request(query)]
pub struct ListOrders {
    #[shield(range = 1..=50)]
    pub per_page: u32,
}

fn main() {}
