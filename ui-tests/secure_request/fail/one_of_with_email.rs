use apishield::prelude::*;
#[secure_request]
pub struct Invite {
    #[shield(one_of = ["a@example.com"], email)]
    pub contact: String,
}

fn main() {}
