use apishield::prelude::*;

#[secure_response]
pub enum Event {
    Created { id: u64 },
    Deleted,
}

fn main() {}
