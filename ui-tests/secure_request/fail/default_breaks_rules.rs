use apishield::prelude::*;
#[secure_request]
pub struct Settings {
    #[shield(len = 3..=10, default)]
    pub nickname: String,
    #[shield(range = 1..=10, default = 50)]
    pub volume: u8,
    #[shield(one_of = ["light", "dark"], default = "blue")]
    pub theme: String,
}

fn main() {}
