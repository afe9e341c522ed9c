use apishield::prelude::*;
#[secure_request]
pub fn handler() {}

fn main() {}
