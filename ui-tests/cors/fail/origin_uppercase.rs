use apishield::prelude::*;

fn main() {
    // Browsers send origins in lower case; the match is exact, so this is refused, not normalised.
    let _ = cors! { origins: ["https://App.Example.com", "HTTPS://api.example.com"], methods: [GET] };
}
