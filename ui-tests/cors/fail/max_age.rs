use apishield::prelude::*;

fn main() {
    let _ = cors! { origins: ["https://a.example.com"], methods: [GET], max_age: 604800 };
    let _ = cors! { origins: ["https://b.example.com"], methods: [GET], max_age: -1 };
    let _ = cors! { origins: ["https://c.example.com"], methods: [GET], max_age: "1h" };
}
