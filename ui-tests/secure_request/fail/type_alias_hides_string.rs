use apishield::prelude::*;
type Name = String;

#[secure_request]
pub struct Rename {
    pub name: Name,
}

fn main() {}
