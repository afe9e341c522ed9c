//! CORS of the orders_api service in a real browser: headless Chromium
//! loads a page from the allowed origin and one from another origin (two
//! loopback ports), and each page tries credentialed cross-origin `fetch`
//! calls, simple and preflighted. What the browser lets each page read is
//! the test. Skipped, saying why, where Chromium and its WebDriver are not
//! installed (`APISHIELD_REQUIRE_BROWSER=1`, as in CI, makes that a failure).

use apishield_examples::orders_api::{self, Config};
use apishield_tests::browser::{self, Browser};
use axum::response::Html;
use serde_json::{Value, json};

use crate::support::{Instance, start, test_config};

async fn bind() -> (tokio::net::TcpListener, u16) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    (listener, port)
}

/// A page server: any path answers an empty HTML page.
fn page(listener: tokio::net::TcpListener) -> tokio::task::JoinHandle<()> {
    let app = axum::Router::new().fallback(|| async { Html("<!doctype html><title>page</title>") });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    })
}

/// The page's `fetch` with credentials, and what the browser lets it see:
/// `{read, status, body, headers}` or `{read: false, error}`.
async fn fetch(browser: &Browser, url: &str, method: &str, headers: Value, body: Option<&str>) -> Value {
    let body = body.map_or("undefined".to_owned(), |b| json!(b).to_string());
    let script = format!(
        "const done = arguments[arguments.length - 1];
         fetch({url}, {{ method: {method}, credentials: 'include', headers: {headers}, body: {body} }})
           .then(r => r.text().then(t => done({{ read: true, status: r.status, body: t,
               replayed: r.headers.get('idempotent-replayed'), request_id: r.headers.get('x-request-id'),
               limit: r.headers.get('ratelimit-policy') }})))
           .catch(e => done({{ read: false, error: String(e) }}));",
        url = json!(url),
        method = json!(method),
    );
    browser.run_async(&script).await.expect("script")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_lets_only_the_allowed_origin_read_the_api() {
    if let Some(why) = browser::unavailable() {
        assert!(std::env::var_os("APISHIELD_REQUIRE_BROWSER").is_none(), "the browser test must run: {why}");
        eprintln!("SKIPPED the_browser_lets_only_the_allowed_origin_read_the_api: {why}");
        return;
    }
    let (allowed_listener, allowed_port) = bind().await;
    let (other_listener, other_port) = bind().await;
    // Two origins: `localhost` and `127.0.0.1`, on different ports.
    let allowed_origin = format!("http://localhost:{allowed_port}");
    let mut config: Config = test_config();
    config.origins = vec![allowed_origin.clone()];
    let api: Instance = start(&config).await;
    let _pages = (page(allowed_listener), page(other_listener));
    let base = format!("http://{}", api.addr);
    let token = orders_api::dev_token("alice", &[]).expect("token").expose_secret().clone();
    let auth = format!("Bearer {token}");
    let browser = Browser::start().await.expect("start chromium");

    browser.open(&format!("{allowed_origin}/")).await.expect("open");
    // A simple request to the public route.
    let health = fetch(&browser, &format!("{base}/health"), "GET", json!({}), None).await;
    assert_eq!((health["read"].as_bool(), health["status"].as_u64()), (Some(true), Some(200)), "{health}");
    assert_eq!(health["body"], r#"{"status":"ok"}"#);
    // Preflighted: an Authorization header.
    let orders = fetch(&browser, &format!("{base}/orders"), "GET", json!({"Authorization": auth}), None).await;
    assert_eq!((orders["read"].as_bool(), orders["status"].as_u64()), (Some(true), Some(200)), "{orders}");
    assert_eq!(orders["body"], "[]");
    // Exposed headers are readable: the request id, the rate-limit policy.
    assert!(orders["request_id"].as_str().is_some_and(|id| id.len() == 36), "{orders}");
    assert!(orders["limit"].as_str().is_some(), "{orders}");
    // Preflighted with a JSON body and an Idempotency-Key: created, then replayed.
    let create_headers =
        json!({"Authorization": auth, "Content-Type": "application/json", "Idempotency-Key": "browser-1"});
    let body = r#"{"item":"tea","quantity":1,"unit_price_cents":300}"#;
    let created = fetch(&browser, &format!("{base}/orders"), "POST", create_headers.clone(), Some(body)).await;
    assert_eq!((created["read"].as_bool(), created["status"].as_u64()), (Some(true), Some(201)), "{created}");
    let replayed = fetch(&browser, &format!("{base}/orders"), "POST", create_headers, Some(body)).await;
    assert_eq!((replayed["status"].as_u64(), replayed["replayed"].as_str()), (Some(201), Some("true")), "{replayed}");
    // Errors are readable too (a front end shows problem+json).
    let missing = fetch(&browser, &format!("{base}/orders/999"), "GET", json!({"Authorization": auth}), None).await;
    assert_eq!((missing["read"].as_bool(), missing["status"].as_u64()), (Some(true), Some(404)), "{missing}");
    assert!(missing["body"].as_str().is_some_and(|b| b.contains("not_found")), "{missing}");
    let anonymous = fetch(&browser, &format!("{base}/orders"), "GET", json!({}), None).await;
    assert_eq!((anonymous["read"].as_bool(), anonymous["status"].as_u64()), (Some(true), Some(401)), "{anonymous}");
    // A method or a header the policy does not allow fails its preflight.
    let patch = fetch(&browser, &format!("{base}/orders/1"), "PATCH", json!({"Authorization": auth}), Some("{}")).await;
    assert_eq!(patch["read"], false, "{patch}");
    let custom =
        fetch(&browser, &format!("{base}/orders"), "GET", json!({"Authorization": auth, "X-Debug": "1"}), None).await;
    assert_eq!(custom["read"], false, "{custom}");

    browser.open(&format!("http://127.0.0.1:{other_port}/")).await.expect("open");
    let attempts = [
        ("/health", "GET", json!({}), None),
        ("/orders", "GET", json!({"Authorization": auth}), None),
        (
            "/orders",
            "POST",
            json!({"Authorization": auth, "Content-Type": "application/json", "Idempotency-Key": "browser-evil"}),
            Some(body),
        ),
    ];
    for (path, method, headers, body) in attempts {
        let refused = fetch(&browser, &format!("{base}{path}"), method, headers, body).await;
        assert_eq!(refused["read"], false, "another origin read {method} {path}: {refused}");
        assert!(refused["error"].as_str().unwrap_or_default().contains("Failed to fetch"), "{refused}");
    }
    browser.quit().await;

    // The other origin's POST never reached the handler: its preflight was refused.
    let list =
        reqwest::Client::new().get(format!("{base}/orders")).header("authorization", &auth).send().await.expect("list");
    let orders: Value = list.json().await.expect("json");
    assert_eq!(orders.as_array().map(Vec::len), Some(1), "{orders}");
}
