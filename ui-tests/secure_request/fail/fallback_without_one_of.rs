use apishield::prelude::*;
#[secure_request]
pub struct Prefs {
    #[shield(len = ..=10, fallback = "light")]
    pub theme: String,
}

fn main() {}
