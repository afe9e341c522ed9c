use apishield::prelude::*;
#[secure_request]
pub struct Lookup<'a> {
    #[shield(len = ..=10)]
    pub key_name: &'a str,
}

fn main() {}
