use apishield::prelude::*;
#[secure_request]
pub struct Profile {
    #[shield(len = ..=50)]
    pub name: String,
    #[serde(rename = "name")]
    #[shield(len = ..=50)]
    pub display_name: String,
}

fn main() {}
