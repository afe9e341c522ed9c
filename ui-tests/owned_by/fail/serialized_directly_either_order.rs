//! Serializing an owned type directly fails with the documented message,
//! whichever order the two attributes are written in.
use apishield::prelude::*;

#[owned_by(user_id)]
#[secure_response]
pub struct OwnedAbove {
    pub id: u64,
    pub user_id: u64,
}

#[secure_response]
#[owned_by(user_id)]
pub struct OwnedBelow {
    pub id: u64,
    pub user_id: u64,
}

pub fn leak(above: &OwnedAbove, below: &OwnedBelow) -> (String, String) {
    (serde_json::to_string(above).unwrap_or_default(), serde_json::to_string(below).unwrap_or_default())
}

fn main() {}
