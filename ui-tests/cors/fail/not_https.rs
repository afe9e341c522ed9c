use apishield::prelude::*;

fn main() {
    // Even with insecure_localhost, only loopback hosts may be plain http.
    let _ = cors! {
        origins: ["http://app.example.com", "http://192.168.0.10:3000", "ftp://files.example.com"],
        methods: [GET],
        insecure_localhost: true,
    };
}
