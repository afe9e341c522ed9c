use apishield::prelude::*;
#[secure_request]
#[shield(len = ..=10)]
pub struct Settings {
    #[shield(len = ..=10)]
    pub nickname: String,
}

fn main() {}
