use apishield::prelude::*;

#[secure_request]
pub struct Upload {
    #[shield(len = 1..=200_000, allow_large)]
    pub document: String,
    #[shield(max_items = 1_000, each(range = 0..=255), allow_large)]
    pub bytes: Vec<u8>,
}

fn main() {
    assert!(Upload::from_json(br#"{"document":"x","bytes":[1,2]}"#).is_ok());
}
