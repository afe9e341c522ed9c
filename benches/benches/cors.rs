//! The cost of apishield's `CorsLayer` + `SecurityHeaders` on a trivial axum
//! handler, against the same behaviour built from tower-http (its
//! `CorsLayer`, one `SetResponseHeaderLayer` per checklist header, and an
//! axum `map_response` for the two removed headers, which tower-http has no
//! layer for; also measured without it), and against the bare handler. All
//! through axum's service (`Router::oneshot`, no network), for three
//! requests: a simple GET from a listed origin, an allowed preflight, and a
//! GET without `Origin`.
//!
//! ```text
//! cargo bench -p apishield-benches --bench cors
//! ```

use std::hint::black_box;
use std::time::Duration;

use apishield::headers::SecurityHeaders;
use axum::Router;
use axum::body::Body;
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, PRAGMA, REFERRER_POLICY, SERVER, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS, X_XSS_PROTECTION,
};
use axum::http::{HeaderName, HeaderValue, Method, Request};
use axum::response::Response;
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use tower::{ServiceBuilder, ServiceExt};
use tower_http::cors::{AllowOrigin, CorsLayer as TowerCors};
use tower_http::set_header::SetResponseHeaderLayer;

const ORIGIN: &str = "https://app.example.com";

async fn handler() -> &'static str {
    "{\"ok\":true}"
}

fn apishield_router() -> Router {
    let policy = apishield::cors! {
        origins: ["https://app.example.com", "https://admin.example.com"],
        methods: [GET, POST],
        headers: ["Authorization", "Content-Type"],
        credentials: true,
        max_age: 3600,
        expose: ["X-RateLimit-Remaining"],
    };
    // One `Router::layer` call per stack: axum boxes the route once per call.
    Router::new()
        .route("/", get(handler))
        .layer(ServiceBuilder::new().layer(SecurityHeaders::api().layer()).layer(policy.layer()))
}

/// tower-http's stack; `remove_headers: false` leaves out the `map_response`
/// (so it does less than apishield: `Server` and `X-Powered-By` stay).
fn tower_http_router(remove_headers: bool) -> Router {
    let cors = TowerCors::new()
        .allow_origin(AllowOrigin::list([
            HeaderValue::from_static("https://app.example.com"),
            HeaderValue::from_static("https://admin.example.com"),
        ]))
        .allow_methods([Method::GET, Method::POST])
        .allow_headers([HeaderName::from_static("authorization"), HeaderName::from_static("content-type")])
        .allow_credentials(true)
        .max_age(Duration::from_secs(3600))
        .expose_headers([HeaderName::from_static("x-ratelimit-remaining")]);
    let set = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
    };
    let headers = ServiceBuilder::new()
        .layer(set(PRAGMA, "no-cache"))
        .layer(set(CACHE_CONTROL, "no-store, no-cache, must-revalidate, private"))
        .layer(set(HeaderName::from_static("permissions-policy"), "camera=(), microphone=(), geolocation=()"))
        .layer(set(REFERRER_POLICY, "strict-origin-when-cross-origin"))
        .layer(set(CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"))
        .layer(set(STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains; preload"))
        .layer(set(X_XSS_PROTECTION, "0"))
        .layer(set(X_FRAME_OPTIONS, "DENY"))
        .layer(set(X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(cors);
    if !remove_headers {
        return Router::new().route("/", get(handler)).layer(headers);
    }
    let stack = ServiceBuilder::new()
        .layer(axum::middleware::map_response(|mut response: Response| async move {
            response.headers_mut().remove(SERVER);
            response.headers_mut().remove("x-powered-by");
            response
        }))
        .layer(headers);
    Router::new().route("/", get(handler)).layer(stack)
}

fn simple() -> Request<Body> {
    Request::get("/").header("origin", ORIGIN).body(Body::empty()).unwrap_or_default()
}

fn preflight() -> Request<Body> {
    Request::options("/")
        .header("origin", ORIGIN)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "authorization,content-type")
        .body(Body::empty())
        .unwrap_or_default()
}

fn no_origin() -> Request<Body> {
    Request::get("/").body(Body::empty()).unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let bare = Router::new().route("/", get(handler));
    let ours = apishield_router();
    let theirs = tower_http_router(true);
    let theirs_partial = tower_http_router(false);

    // Both stacks answer alike (checked once, outside the measurement).
    for make in [simple, preflight, no_origin] {
        let a = rt.block_on(ours.clone().oneshot(make())).expect("infallible");
        let b = rt.block_on(theirs.clone().oneshot(make())).expect("infallible");
        assert_eq!(a.status().is_success(), b.status().is_success()); // a preflight: 204 here, 200 there
        // (tower-http also sends `Access-Control-Allow-Credentials` without
        // an `Origin`; apishield only with an allowed one.)
        for name in ["access-control-allow-origin", "x-frame-options", "cache-control"] {
            assert_eq!(a.headers().get(name), b.headers().get(name), "{name}");
        }
    }

    let mut group = c.benchmark_group("cors");
    for (name, make) in
        [("simple_get", simple as fn() -> Request<Body>), ("preflight", preflight), ("no_origin", no_origin)]
    {
        group.bench_function(format!("{name}/bare_handler"), |b| {
            b.iter(|| rt.block_on(bare.clone().oneshot(black_box(make()))));
        });
        group.bench_function(format!("{name}/apishield"), |b| {
            b.iter(|| rt.block_on(ours.clone().oneshot(black_box(make()))));
        });
        group.bench_function(format!("{name}/tower_http"), |b| {
            b.iter(|| rt.block_on(theirs.clone().oneshot(black_box(make()))));
        });
        group.bench_function(format!("{name}/tower_http_without_removal"), |b| {
            b.iter(|| rt.block_on(theirs_partial.clone().oneshot(black_box(make()))));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
