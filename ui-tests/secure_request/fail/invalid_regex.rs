use apishield::prelude::*;
#[secure_request]
pub struct Coupon {
    #[shield(len = ..=20, pattern = "[A-Z0-9+")]
    pub code: String,
}

fn main() {}
