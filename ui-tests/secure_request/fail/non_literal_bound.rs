use apishield::prelude::*;
const MAX_NAME: usize = 100;

#[secure_request]
pub struct Signup {
    #[shield(len = ..=MAX_NAME)]
    pub name: String,
}

fn main() {}
