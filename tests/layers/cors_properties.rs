//! Properties of CORS: whatever `Origin` a client sends, the layer puts an
//! `Access-Control-Allow-Origin` on the answer only when that exact origin
//! is listed, and then exactly that origin; every answer varies on Origin;
//! and any policy the builder accepts matches its own origins and nothing
//! else.

use std::convert::Infallible;

use apishield::axum::CorsLayer;
use apishield::cors::{CorsPolicy, rules};
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, Response};
use proptest::prelude::*;
use tower::{Layer, ServiceExt, service_fn};

const LISTED: [&str; 4] =
    ["https://app.example.com", "https://admin.example.com:8443", "https://192.168.0.10", "https://[2001:db8::1]"];

fn policy() -> CorsPolicy {
    apishield::cors! {
        origins: ["https://app.example.com", "https://admin.example.com:8443", "https://192.168.0.10", "https://[2001:db8::1]"],
        methods: [GET, POST],
        headers: ["Content-Type"],
        credentials: true,
    }
}

/// Near misses of the listed origins, and anything at all.
fn origins() -> impl Strategy<Value = String> {
    let listed = proptest::sample::select(LISTED.to_vec()).prop_map(str::to_owned);
    let affixes = proptest::sample::select(vec![
        "",
        "/",
        ".",
        ".evil.example",
        ":443",
        ":8443",
        ":0",
        " ",
        "x",
        "%00",
        "\t",
        "/..",
        "@evil.example",
        "#",
        "?",
    ]);
    let prefixes = proptest::sample::select(vec!["", "x", "https://", "http://", " ", "null", "*"]);
    let near = (listed.clone(), prefixes, affixes).prop_map(|(o, p, s)| format!("{p}{o}{s}"));
    let flipped = (listed.clone(), any::<prop::sample::Index>()).prop_map(|(o, i)| {
        let mut bytes = o.into_bytes();
        let i = i.index(bytes.len());
        bytes[i] = if bytes[i].is_ascii_lowercase() { bytes[i].to_ascii_uppercase() } else { bytes[i] ^ 1 };
        String::from_utf8_lossy(&bytes).into_owned()
    });
    let truncated = (listed.clone(), any::<prop::sample::Index>()).prop_map(|(o, i)| o[..i.index(o.len())].to_owned());
    prop_oneof![listed, near, flipped, truncated, "\\PC{0,40}", "[ -~]{0,40}"]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().build().unwrap()
}

async fn answer(layer: &CorsLayer, origin: &HeaderValue, preflight: bool) -> Response<Body> {
    let service =
        layer.layer(service_fn(|_: Request<Body>| async { Ok::<_, Infallible>(Response::new(Body::empty())) }));
    let mut req = Request::builder().uri("/orders").header("origin", origin.clone());
    req = if preflight {
        req.method(Method::OPTIONS).header("access-control-request-method", "POST")
    } else {
        req.method(Method::GET)
    };
    service.oneshot(req.body(Body::empty()).unwrap()).await.unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn no_unlisted_origin_is_ever_reflected(origin in origins(), preflight in any::<bool>()) {
        let Ok(value) = HeaderValue::from_str(&origin) else { return Ok(()) };
        let layer = policy().layer();
        let resp = runtime().block_on(answer(&layer, &value, preflight));
        let allowed = resp.headers().get("access-control-allow-origin");
        if LISTED.iter().any(|l| l.as_bytes() == value.as_bytes()) {
            prop_assert_eq!(allowed, Some(&value));
            prop_assert_eq!(resp.headers().get("access-control-allow-credentials").map(|v| v.as_bytes()), Some(&b"true"[..]));
        } else {
            prop_assert!(resp.headers().keys().all(|n| !n.as_str().starts_with("access-control-")), "{:?}", resp.headers());
            if preflight {
                prop_assert_eq!(resp.status(), 403);
            }
        }
        let vary: Vec<_> = resp.headers().get_all("vary").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
        prop_assert!(vary.iter().any(|v| v.starts_with("origin")), "{:?}", vary);
    }

    #[test]
    fn a_built_policy_matches_its_origins_and_nothing_else(origin in origins(), other in origins()) {
        let built = CorsPolicy::builder().origins([origin.clone()]).methods(["GET"]).insecure_localhost(true).build();
        prop_assert_eq!(built.is_ok(), rules::check_origin(&origin, true).is_ok());
        if let Ok(policy) = built {
            prop_assert!(policy.allows_origin(&origin));
            prop_assert_eq!(policy.allows_origin(&other), other == origin || policy.allows_any_origin());
            if !policy.allows_any_origin() {
                // What passes is what a browser sends: lower case, no path, query, fragment or user info.
                let rest = origin.split_once("://").unwrap().1;
                prop_assert!(!origin.bytes().any(|b| b.is_ascii_uppercase() || b.is_ascii_whitespace()));
                prop_assert!(!rest.contains(['/', '?', '#', '@', '*']));
                prop_assert!(origin.starts_with("https://") || origin.starts_with("http://localhost")
                    || origin.starts_with("http://127.0.0.1") || origin.starts_with("http://[::1]"));
            }
        }
    }
}
