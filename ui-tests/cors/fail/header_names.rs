use apishield::prelude::*;

fn main() {
    let _ = cors! {
        origins: ["https://app.example.com"],
        methods: [GET],
        headers: ["Content Type", "X-Api-Key:", "", "*"],
        expose: ["X-RateLimit-Remaining", "Retry-After\n"],
    };
}
