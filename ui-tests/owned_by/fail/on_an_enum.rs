use apishield::prelude::*;

#[owned_by(user_id)]
pub enum Order {
    Open,
}

fn main() {}
