use apishield::prelude::*;

fn main() {
    let _ = cors! { origins: ["https://app.example.com"], methods: [GET, get, PURGE, OPTIONS, TRACE, "POST"] };
}
