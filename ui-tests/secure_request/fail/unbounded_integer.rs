use apishield::prelude::*;
#[secure_request]
pub struct Transfer {
    pub amount_cents: u64,
}

fn main() {}
