#![deny(warnings)]
//! Every accepted form of `cors!`: the design's example, every key, `*`
//! without credentials, localhost for development, const and static
//! policies, a macro_rules! wrapper, and a policy served by axum.
use apishield::cors::CorsPolicy;
use apishield::prelude::*;
use axum::Router;
use axum::routing::get;

const PUBLIC: CorsPolicy = cors! { origins: ["*"], methods: [GET, HEAD] };

static APP: CorsPolicy = cors! {
    origins: ["https://app.example.com", "https://admin.example.com:8443"],
    methods: [GET, POST, PUT, PATCH, DELETE],
};

macro_rules! policy_for {
    ($origin:expr, $credentials:expr) => {
        cors! { origins: [$origin], methods: [GET], credentials: $credentials }
    };
}

fn main() {
    // The design's example, exactly.
    let design = cors! {
        origins: ["https://app.example.com"],
        methods: [GET, POST],
        headers: ["Authorization", "Content-Type"],
        credentials: true,
        max_age: 3600,
        expose: ["X-RateLimit-Remaining"]
    };
    assert!(design.credentials());
    assert_eq!(design.headers().collect::<Vec<_>>(), ["authorization", "content-type"]);

    // Development: plain-http loopback origins, opted into.
    let dev = cors! {
        origins: ["http://localhost:3000", "http://127.0.0.1:8080", "http://[::1]:5173", "https://localhost"],
        methods: [GET],
        insecure_localhost: true,
        max_age: 0,
        expose: [],
        headers: ["X-Request-Id", "if-match"],
    };
    assert_eq!(dev.origins().count(), 4);

    // Hosts of every shape, keys in any order, trailing comma.
    let hosts = cors! {
        credentials: false,
        methods: [DELETE],
        origins: [
            "https://xn--bcher-kva.example",
            "https://my_service.internal.example.com",
            "https://192.168.0.10:8443",
            "https://[2001:db8::1]",
        ],
        max_age: 86400,
    };
    assert!(hosts.allows_origin("https://[2001:db8::1]"));

    assert!(PUBLIC.allows_any_origin() && !PUBLIC.credentials());
    assert!(APP.allows_origin("https://admin.example.com:8443"));
    assert!(policy_for!("https://app.example.com", true).credentials());

    let _app: Router = Router::new().route("/", get(|| async { "{}" })).layer(APP.layer()).layer(PUBLIC.layer());
}
