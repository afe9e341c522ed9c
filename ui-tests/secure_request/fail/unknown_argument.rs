use apishield::prelude::*;
#[secure_request(body)]
pub struct Ping {}

fn main() {}
