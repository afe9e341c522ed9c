use apishield::prelude::*;
#[secure_request]
pub struct Signup {
    #[shield(range = 100..=18)]
    pub age: u8,
}

fn main() {}
