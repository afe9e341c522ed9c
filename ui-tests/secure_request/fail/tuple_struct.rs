use apishield::prelude::*;
#[secure_request]
pub struct UserId(pub u64);

fn main() {}
