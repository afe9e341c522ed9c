use apishield::prelude::*;
#[secure_request]
pub struct Consent {
    #[shield(range = 0..=1)]
    pub marketing: bool,
}

fn main() {}
