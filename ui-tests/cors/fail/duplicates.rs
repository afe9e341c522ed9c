use apishield::prelude::*;

fn main() {
    let _ = cors! {
        origins: ["https://app.example.com", "https://app.example.com"],
        methods: [GET, POST, GET],
        headers: ["Authorization", "authorization"],
    };
}
