use apishield::prelude::*;

fn main() {
    let _ = cors! {
        origins: ["https://app.example.com"],
        methods: [GET],
        origins: ["https://admin.example.com"],
    };
}
