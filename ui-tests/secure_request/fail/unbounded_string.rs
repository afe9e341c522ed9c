use apishield::prelude::*;
#[secure_request]
pub struct CreateNote {
    pub title: String,
}

fn main() {}
