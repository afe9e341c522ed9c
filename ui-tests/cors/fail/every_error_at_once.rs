use apishield::prelude::*;

fn main() {
    // One compile reports all of them.
    let _ = cors! {
        origins: ["*", "null", "http://app.example.com/"],
        methods: [GET, FETCH],
        headers: ["X Bad"],
        credentials: true,
        max_age: 100000,
    };
}
