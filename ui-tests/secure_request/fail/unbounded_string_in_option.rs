use apishield::prelude::*;
#[secure_request]
pub struct UpdateProfile {
    pub bio: Option<String>,
}

fn main() {}
