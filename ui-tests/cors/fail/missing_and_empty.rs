use apishield::prelude::*;

fn main() {
    let _ = cors! { headers: ["Content-Type"] };
    let _ = cors! { origins: [], methods: [] };
}
