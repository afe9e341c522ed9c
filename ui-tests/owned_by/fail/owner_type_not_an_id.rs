use apishield::prelude::*;

#[owned_by(owner)]
#[secure_response]
pub struct Reading {
    pub id: u64,
    pub owner: f64,
}

fn main() {}
