use apishield::prelude::*;

#[secure_response]
pub struct UserId(pub u64);

fn main() {}
