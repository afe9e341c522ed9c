//! HTTPS everywhere over real HTTP: plain requests refused or redirected,
//! the protocol read from trusted proxies only, HSTS on HTTPS answers only.

use apishield::axum::{HttpsLayer, SafeDefaults};
use apishield::client_addr::TrustedProxies;
use apishield::prelude::*;
use apishield_tests::http::serve_with_connect_info;
use axum::Router;

#[public]
async fn hello() -> &'static str {
    "hello"
}

async fn serve(https: HttpsLayer) -> String {
    let routes = Router::new().route("/hello", axum::routing::get(hello).post(hello));
    let cors = cors! { origins: ["https://app.example.com"], methods: [GET, POST] };
    let app = SafeDefaults::new(cors).https(https).apply(routes);
    format!("http://{}/hello", serve_with_connect_info(app).await)
}

struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn call(method: reqwest::Method, url: &str, headers: &[(&str, &str)]) -> Answer {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut request = client.request(method, url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    Answer { status, headers, body: response.text().await.unwrap() }
}

async fn get(url: &str, headers: &[(&str, &str)]) -> Answer {
    call(reqwest::Method::GET, url, headers).await
}

#[tokio::test]
async fn plain_http_is_refused_by_default_without_hsts_but_with_the_other_headers() {
    let url = serve(HttpsLayer::new()).await;
    let answer = get(&url, &[]).await;
    assert_eq!(answer.status, 403);
    assert!(answer.body.contains(r#""code":"https_required""#), "{}", answer.body);
    assert!(!answer.headers.contains_key("strict-transport-security"), "no HSTS over plain HTTP");
    assert_eq!(answer.headers["x-content-type-options"], "nosniff");
    assert!(answer.headers.contains_key("x-request-id"));
    // A client saying it came over HTTPS is not a proxy saying so.
    assert_eq!(get(&url, &[("x-forwarded-proto", "https")]).await.status, 403);
}

#[tokio::test]
async fn behind_a_trusted_proxy_its_word_decides_and_hsts_goes_on_https_answers() {
    let url = serve(HttpsLayer::new().trusted_proxies(TrustedProxies::parse(["127.0.0.0/8"]).unwrap())).await;
    let https = get(&url, &[("x-forwarded-proto", "https")]).await;
    assert_eq!((https.status, https.body.as_str()), (200, "hello"));
    assert!(https.headers["strict-transport-security"].to_str().unwrap().starts_with("max-age="));
    for plain in ["http", "https, http", ""] {
        let answer = get(&url, &[("x-forwarded-proto", plain)]).await;
        assert_eq!(answer.status, 403, "{plain:?}");
        assert!(!answer.headers.contains_key("strict-transport-security"));
    }
    assert_eq!(get(&url, &[]).await.status, 403, "no word from the proxy: plain");
}

/// `GET https://host/path HTTP/1.1`: the absolute form of the request
/// line (RFC 9112 section 3.2.2), which hyper keeps in the request's URI.
/// Its scheme is the client's word over a plain connection, like a
/// client's own `X-Forwarded-Proto`.
async fn absolute_form_get(url: &str, extra: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = url.trim_start_matches("http://").trim_end_matches("/hello");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "GET https://api.example.com/hello HTTP/1.1\r\nhost: api.example.com\r\n{extra}connection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer.to_ascii_lowercase()
}

#[tokio::test]
async fn a_request_line_that_says_https_is_not_https() {
    let url = serve(HttpsLayer::new()).await;
    let answer = absolute_form_get(&url, "").await;
    assert!(answer.starts_with("http/1.1 403"), "{answer}");
    assert!(answer.contains("https_required"), "{answer}");
    assert!(!answer.contains("strict-transport-security"), "no HSTS over plain HTTP: {answer}");
    // Behind a trusted proxy, the proxy's word decides, not the request line.
    let url = serve(HttpsLayer::new().trusted_proxies(TrustedProxies::parse(["127.0.0.0/8"]).unwrap())).await;
    let answer = absolute_form_get(&url, "x-forwarded-proto: http\r\n").await;
    assert!(answer.starts_with("http/1.1 403"), "{answer}");
    let answer = absolute_form_get(&url, "x-forwarded-proto: https\r\n").await;
    assert!(answer.starts_with("http/1.1 200"), "{answer}");
}

#[tokio::test]
async fn an_untrusted_peer_cannot_claim_https() {
    let url = serve(HttpsLayer::new().trusted_proxies(TrustedProxies::parse(["10.0.0.0/8"]).unwrap())).await;
    assert_eq!(get(&url, &[("x-forwarded-proto", "https")]).await.status, 403);
}

#[tokio::test]
async fn the_forwarded_header_when_configured() {
    let proxies = TrustedProxies::parse(["127.0.0.0/8"]).unwrap().forwarded();
    let url = serve(HttpsLayer::new().trusted_proxies(proxies)).await;
    assert_eq!(get(&url, &[("forwarded", "for=203.0.113.5;proto=https")]).await.status, 200);
    assert_eq!(get(&url, &[("forwarded", "for=203.0.113.5;proto=http")]).await.status, 403);
    assert_eq!(get(&url, &[("x-forwarded-proto", "https")]).await.status, 403, "only the configured header counts");
}

#[tokio::test]
async fn plain_gets_are_redirected_to_the_configured_host_and_other_methods_refused() {
    let url = serve(HttpsLayer::new().redirect_to("api.example.com")).await;
    let answer = get(&format!("{url}?page=2"), &[("host", "evil.example")]).await;
    assert_eq!(answer.status, 308);
    assert_eq!(answer.headers["location"], "https://api.example.com/hello?page=2");
    assert!(!answer.headers.contains_key("strict-transport-security"));
    assert_eq!(call(reqwest::Method::POST, &url, &[]).await.status, 403, "a body already crossed in the clear");
}

#[tokio::test]
async fn tls_here_or_plain_loopback_for_development() {
    let tls = serve(HttpsLayer::new().tls_terminated_here()).await;
    let answer = get(&tls, &[]).await;
    assert_eq!(answer.status, 200);
    assert!(answer.headers.contains_key("strict-transport-security"));
    let dev = serve(HttpsLayer::new().allow_plain_loopback()).await;
    let answer = get(&dev, &[]).await;
    assert_eq!(answer.status, 200);
    assert!(!answer.headers.contains_key("strict-transport-security"), "HSTS is never sent over plain HTTP");
}
