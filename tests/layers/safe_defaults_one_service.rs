//! `SafeDefaults` runs its request id, security headers, HTTPS and CORS
//! layers as one service. It must answer exactly as the four layers
//! stacked one by one (outermost first: request id, security headers,
//! HTTPS, CORS, then the body limits), for every kind of request each
//! layer decides on: allowed, refused and absent origins, preflights,
//! plain HTTP refused or allowed, a route's own headers, errors, and the
//! request id seen by the handler.

use std::net::SocketAddr;

use apishield::axum::{BodyLimit, HttpsLayer, RequestIdLayer, SafeDefaults, SecurityHeadersLayer};
use apishield::client_addr::TrustedProxies;
use apishield::cors::CorsPolicy;
use apishield::headers::RequestId;
use apishield::headers::SecurityHeaders;
use apishield::prelude::*;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Extension};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use tower::ServiceBuilder;

fn cors() -> CorsPolicy {
    cors! { origins: ["https://app.example.com"], methods: [GET, POST], headers: ["Authorization"], expose: ["X-Total"] }
}

fn routes() -> Router {
    Router::new()
        .route("/id", get(|id: RequestId| async move { id.to_string() }))
        .route("/cached", get(|| async { ([(header::CACHE_CONTROL, "max-age=60"), (header::SERVER, "x")], "{}") }))
        .route("/fails", get(|| async { StatusCode::INTERNAL_SERVER_ERROR.into_response() }))
        // As many headers as the rate limit adds, one of them the CORS
        // layer's and one a security header's: merged in another order.
        .route(
            "/many",
            get(|| async {
                (
                    [
                        ("ratelimit-limit", "10"),
                        ("ratelimit-remaining", "9"),
                        ("ratelimit-reset", "60"),
                        ("vary", "accept"),
                        ("access-control-allow-origin", "*"),
                        ("x-frame-options", "SAMEORIGIN"),
                    ],
                    "{}",
                )
            }),
        )
}

/// The four layers one by one, as `SafeDefaults` stacked them before.
fn stacked(https: HttpsLayer, headers: SecurityHeaders) -> Router {
    routes().layer(
        ServiceBuilder::new()
            .layer(RequestIdLayer::new())
            .layer(SecurityHeadersLayer::new(headers))
            .layer(https)
            .layer(cors().layer())
            .layer(Extension(BodyLimit(1 << 20)))
            .layer(DefaultBodyLimit::max(1 << 20)),
    )
}

fn one_service(https: HttpsLayer, headers: SecurityHeaders) -> Router {
    SafeDefaults::new(cors()).https(https).security_headers(headers).apply(routes())
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// Status, headers (sorted; the date left out, the request id replaced by
/// whether it is there) and body (the request id in it replaced).
async fn answer(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, &str)]) -> String {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    // A redirect is compared, not followed.
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut request = client.request(method, format!("http://{addr}{path}"));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let id = response.headers().get("x-request-id").map(|v| v.to_str().unwrap().to_owned());
    let mut lines: Vec<String> = response
        .headers()
        .iter()
        .filter(|(name, _)| *name != "date")
        .map(|(name, value)| match name.as_str() {
            "x-request-id" => "x-request-id: <id>".to_owned(),
            _ => format!("{name}: {}", value.to_str().unwrap()),
        })
        .collect();
    lines.sort();
    let status = response.status().as_u16();
    let mut body = response.text().await.unwrap();
    if let Some(id) = id {
        body = body.replace(&id, "<id>");
    }
    format!("{status}\n{}\n\n{body}", lines.join("\n"))
}

/// A request: method, path and headers.
type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>);

const ORIGIN: (&str, &str) = ("origin", "https://app.example.com");
const OTHER_ORIGIN: (&str, &str) = ("origin", "https://evil.example");

async fn same_answers(https: fn() -> HttpsLayer, headers: fn() -> SecurityHeaders, forwarded: &[(&str, &str)]) {
    let (one, four) = (serve(one_service(https(), headers())).await, serve(stacked(https(), headers())).await);
    let preflight =
        [ORIGIN, ("access-control-request-method", "POST"), ("access-control-request-headers", "authorization")];
    let refused_preflight = [ORIGIN, ("access-control-request-method", "DELETE")];
    let cases: Vec<Case<'_>> = vec![
        ("GET", "/id", vec![ORIGIN]),
        ("GET", "/id", vec![OTHER_ORIGIN]),
        ("GET", "/id", vec![]),
        ("GET", "/id", vec![("x-request-id", "client-chosen-1")]),
        ("GET", "/id", vec![("x-request-id", "not valid!")]),
        ("GET", "/cached", vec![ORIGIN]),
        ("GET", "/many", vec![ORIGIN]),
        ("GET", "/many", vec![OTHER_ORIGIN]),
        ("GET", "/many", vec![]),
        ("GET", "/fails", vec![ORIGIN]),
        ("GET", "/missing", vec![ORIGIN]),
        ("OPTIONS", "/id", preflight.to_vec()),
        ("OPTIONS", "/id", refused_preflight.to_vec()),
        ("POST", "/id", vec![ORIGIN]),
    ];
    for (method, path, mut sent) in cases {
        sent.extend_from_slice(forwarded);
        let (a, b) = (answer(one, method, path, &sent).await, answer(four, method, path, &sent).await);
        assert_eq!(a, b, "{method} {path} {sent:?}");
        assert!(a.contains("x-request-id: <id>"), "{a}");
        if path == "/id" && a.starts_with("200") {
            assert!(a.ends_with("\n\n<id>"), "the handler sees the id it answers with: {a}");
        }
    }
}

fn proxies() -> HttpsLayer {
    HttpsLayer::new().trusted_proxies(TrustedProxies::parse(["127.0.0.1/32"]).unwrap())
}

#[tokio::test]
async fn over_https_behind_a_trusted_proxy() {
    same_answers(proxies, SecurityHeaders::api, &[("x-forwarded-proto", "https")]).await;
}

#[tokio::test]
async fn over_plain_http_refused() {
    same_answers(proxies, SecurityHeaders::api, &[("x-forwarded-proto", "http")]).await;
}

#[tokio::test]
async fn over_plain_http_on_loopback_allowed() {
    same_answers(|| HttpsLayer::new().allow_plain_loopback(), SecurityHeaders::api, &[]).await;
}

#[tokio::test]
async fn redirected_and_enforced() {
    let enforced = || SecurityHeaders::api().enforce().remove(header::VARY);
    same_answers(|| proxies().redirect_to("api.example.com"), enforced, &[("x-forwarded-proto", "http")]).await;
    same_answers(proxies, enforced, &[("x-forwarded-proto", "https")]).await;
}
