use apishield::prelude::*;

const ORIGIN: &str = "https://app.example.com";

fn main() {
    let _ = cors! { origins: [ORIGIN], methods: GET, credentials: "yes", headers: "Content-Type" };
}
