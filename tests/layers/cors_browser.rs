//! CORS in a real browser: headless Chromium loads a page from an allowed
//! origin and one from another origin, and each tries credentialed
//! cross-origin `fetch` calls to the API (simple and preflighted). What the
//! browser lets each page read is the test. Skipped, saying why, only where
//! Chromium and its WebDriver are not installed; `.ci/run` installs them.

use apishield::auth::api_key::{ApiKeyEnvironment, ApiKeyIssuer, ApiKeyKind, ApiKeyVerifier, MemoryApiKeyStore};
use apishield::axum::{AuthenticationLayer, HttpsLayer, SafeDefaults};
use apishield::cors::CorsPolicy;
use apishield::prelude::*;
use apishield::routing::{Routes, get};
use apishield_tests::browser::{self, Browser};
use axum::response::Html;
use serde_json::Value;

async fn orders(principal: Principal) -> String {
    format!("orders of {}", principal.subject())
}

#[public]
async fn status() -> &'static str {
    "up"
}

async fn bind() -> (tokio::net::TcpListener, u16) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    (listener, port)
}

/// The API, allowing the page origin `allowed` with credentials.
async fn api(listener: tokio::net::TcpListener, allowed: &str) -> String {
    let store = MemoryApiKeyStore::new();
    let (key, _) = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live)
        .issue(ApiKeyKind::Secret, "alice", ["*"])
        .await
        .unwrap();
    let cors = CorsPolicy::builder()
        .origins([allowed])
        .insecure_localhost(true)
        .methods(["GET", "POST"])
        .headers(["Authorization", "Content-Type"])
        .credentials(true)
        .build()
        .unwrap();
    let app = Routes::new()
        .route("/orders", get(orders).post(orders))
        .route("/status", get(status))
        .layer(AuthenticationLayer::new().api_keys(ApiKeyVerifier::new(store, ApiKeyEnvironment::Live)))
        .safe_defaults(SafeDefaults::new(cors).https(HttpsLayer::new().allow_plain_loopback()))
        .into_router();
    tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await
    });
    key.expose_secret().to_owned()
}

/// A page server: any path answers an empty HTML page.
fn page(listener: tokio::net::TcpListener) {
    let app = axum::Router::new().fallback(|| async { Html("<!doctype html><title>page</title>") });
    tokio::spawn(async move { axum::serve(listener, app).await });
}

/// The page's `fetch`, its outcome as the browser reports it to the page.
async fn fetch(browser: &Browser, url: &str, method: &str, key: Option<&str>, json_body: bool) -> Value {
    let headers = match key {
        Some(key) => format!(
            "{{'Authorization': 'ApiKey {key}'{}}}",
            if json_body { ", 'Content-Type': 'application/json'" } else { "" }
        ),
        None => "{}".to_owned(),
    };
    let body = if json_body { "'{}'" } else { "undefined" };
    let script = format!(
        "const done = arguments[arguments.length - 1];
         fetch('{url}', {{ method: '{method}', credentials: 'include', headers: {headers}, body: {body} }})
           .then(r => r.text().then(t => done({{ read: true, status: r.status, body: t }})))
           .catch(e => done({{ read: false, error: String(e) }}));"
    );
    browser.run_async(&script).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_lets_only_the_allowed_origin_read_credentialed_answers() {
    if let Some(why) = browser::unavailable() {
        // CI installs the browser and sets this: there, a missing browser fails.
        assert!(std::env::var_os("APISHIELD_REQUIRE_BROWSER").is_none(), "the browser test must run: {why}");
        eprintln!("SKIPPED the_browser_lets_only_the_allowed_origin_read_credentialed_answers: {why}");
        return;
    }
    let (api_listener, api_port) = bind().await;
    let (allowed_listener, allowed_port) = bind().await;
    let (other_listener, other_port) = bind().await;
    // Two origins: `localhost` and `127.0.0.1` on different ports.
    let allowed_origin = format!("http://localhost:{allowed_port}");
    let key = api(api_listener, &allowed_origin).await;
    page(allowed_listener);
    page(other_listener);
    let api = format!("http://127.0.0.1:{api_port}");
    let browser = Browser::start().await.expect("start chromium");

    browser.open(&format!("{allowed_origin}/")).await.unwrap();
    // Preflighted (an Authorization header): the preflight passes, the answer is readable.
    let read = fetch(&browser, &format!("{api}/orders"), "GET", Some(&key), false).await;
    assert_eq!((read["read"].as_bool(), read["status"].as_u64()), (Some(true), Some(200)), "{read}");
    assert_eq!(read["body"], "orders of alice");
    let post = fetch(&browser, &format!("{api}/orders"), "POST", Some(&key), true).await;
    assert_eq!(post["read"], true, "{post}");
    // A method the policy does not allow fails its preflight.
    let delete = fetch(&browser, &format!("{api}/orders"), "DELETE", Some(&key), false).await;
    assert_eq!(delete["read"], false, "{delete}");
    // A simple credentialed request to a public route: readable.
    let simple = fetch(&browser, &format!("{api}/status"), "GET", None, false).await;
    assert_eq!((simple["read"].as_bool(), simple["body"].as_str()), (Some(true), Some("up")), "{simple}");

    browser.open(&format!("http://127.0.0.1:{other_port}/")).await.unwrap();
    for (path, method, key) in [("/orders", "GET", Some(key.as_str())), ("/status", "GET", None)] {
        let refused = fetch(&browser, &format!("{api}{path}"), method, key, false).await;
        assert_eq!(refused["read"], false, "another origin read {method} {path}: {refused}");
        assert!(refused["error"].as_str().unwrap_or_default().contains("Failed to fetch"), "{refused}");
    }
    browser.quit().await;
}
