use apishield::prelude::*;
#[secure_request]
pub struct Settings {
    #[shield(len = ..=10, default)]
    pub nickname: Option<String>,
}

fn main() {}
