use apishield::prelude::*;

fn main() {
    let _ = cors! { origins: ["http://localhost:3000", "http://127.0.0.1"], methods: [GET] };
}
