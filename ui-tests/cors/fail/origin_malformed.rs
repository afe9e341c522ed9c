use apishield::prelude::*;

fn main() {
    let _ = cors! {
        origins: [
            "app.example.com",
            "https://*.example.com",
            "https://app..example.com",
            "https://app.example.com:99999",
            "https://127.1",
            "https://app.example.com.",
            "https://app.example.com ",
            "",
        ],
        methods: [GET],
    };
}
