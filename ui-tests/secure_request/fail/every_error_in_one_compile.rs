use apishield::prelude::*;
#[secure_request]
pub struct Everything {
    pub title: String,
    pub count: u32,
    pub items: Vec<u8>,
    pub is_admin: bool,
    #[shield(lenn = 3)]
    pub note: String,
}

fn main() {}
