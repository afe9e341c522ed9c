use apishield::prelude::*;
#[secure_request]
pub struct Ping;

fn main() {}
