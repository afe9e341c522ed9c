//! A derived `Serialize` on an owned type is one error, whichever order the
//! two attributes are written in.
use apishield::prelude::*;

#[owned_by(user_id)]
#[secure_response]
#[derive(serde::Serialize)]
pub struct OwnedAbove {
    pub id: u64,
    pub user_id: u64,
}

#[secure_response]
#[owned_by(user_id)]
#[derive(serde::Serialize)]
pub struct OwnedBelow {
    pub id: u64,
    pub user_id: u64,
}

fn main() {}
