use apishield::prelude::*;

fn main() {
    let _ = cors! {
        origins: ["https://app.example.com?tenant=1", "https://app.example.com#top", "https://admin:pw@app.example.com"],
        methods: [GET],
    };
}
