use apishield::prelude::*;
#[secure_request]
pub union Bits {
    pub int: u32,
    pub float: f32,
}

fn main() {}
