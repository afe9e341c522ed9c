//! `SafeDefaults` over real HTTP on loopback: one call puts request ids,
//! security headers, CORS and the body limit around a router that already
//! authenticates, in an order where preflights never need credentials and
//! every refusal still carries the headers and the request id.

use apishield::auth::api_key::{ApiKeyEnvironment, ApiKeyIssuer, ApiKeyKind, ApiKeyVerifier, MemoryApiKeyStore};
use apishield::axum::{AuthenticationLayer, HttpsLayer, SafeDefaults, SecureJson};
use apishield::prelude::*;
use apishield_tests::http::serve_with_connect_info;
use axum::Router;
use axum::routing::post;

#[secure_request]
pub struct Note {
    #[shield(len = ..=10_000)]
    pub text: String,
}

async fn create(principal: Principal, SecureJson(note): SecureJson<Note>) -> String {
    format!("{} {}", principal.subject(), note.text.len())
}

struct Reply {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn send(req: reqwest::RequestBuilder) -> Reply {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    Reply { status, headers, body: resp.text().await.unwrap() }
}

fn h<'a>(reply: &'a Reply, name: &str) -> Option<&'a str> {
    reply.headers.get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn one_call_stacks_ids_headers_cors_and_the_body_limit_outside_authentication() {
    let store = MemoryApiKeyStore::new();
    let (key, _) = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live)
        .issue(ApiKeyKind::Secret, "alice", ["notes:write"])
        .await
        .unwrap();
    let routes = Router::new()
        .route("/notes", post(create))
        .layer(AuthenticationLayer::new().api_keys(ApiKeyVerifier::new(store, ApiKeyEnvironment::Live)));
    let cors = cors! {
        origins: ["https://app.example.com"],
        methods: [GET, POST],
        headers: ["Authorization", "Content-Type"],
        credentials: true,
    };
    // As a server that terminates TLS itself (the transport is tests/layers/https.rs's).
    let app = SafeDefaults::new(cors).https(HttpsLayer::new().tls_terminated_here()).body_limit(1024).apply(routes);
    let base = format!("http://{}", serve_with_connect_info(app).await);
    let http = reqwest::Client::new();
    let url = format!("{base}/notes");
    let authorization = format!("ApiKey {}", key.expose_secret());

    // A preflight carries no credentials: CORS answers it before authentication.
    let preflight = send(
        http.request(reqwest::Method::OPTIONS, &url)
            .header("origin", "https://app.example.com")
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "authorization, content-type"),
    )
    .await;
    assert_eq!(preflight.status, 204, "{}", preflight.body);
    assert_eq!(h(&preflight, "access-control-allow-origin"), Some("https://app.example.com"));
    assert_eq!(h(&preflight, "access-control-allow-credentials"), Some("true"));

    // The real request, authenticated, with every layer's mark on the answer.
    let ok = send(
        http.post(&url)
            .header("origin", "https://app.example.com")
            .header("authorization", &authorization)
            .header("content-type", "application/json")
            .body(r#"{"text":"hello"}"#),
    )
    .await;
    assert_eq!((ok.status, ok.body.as_str()), (200, "alice 5"));
    assert_eq!(h(&ok, "access-control-allow-origin"), Some("https://app.example.com"));
    assert_eq!(h(&ok, "x-content-type-options"), Some("nosniff"));
    assert!(h(&ok, "x-request-id").is_some_and(|id| !id.is_empty()));
    assert!(h(&ok, "vary").is_some_and(|v| v.to_ascii_lowercase().contains("origin")));

    // Refused by authentication: still the headers, the id, and the id in
    // the body. The id is the server's own, not the one the client sent.
    let refused = send(http.post(&url).header("x-request-id", "ticket-7").body("{}")).await;
    assert_eq!(refused.status, 401);
    let id = h(&refused, "x-request-id").unwrap();
    assert!(is_generated(id), "{id}");
    assert_eq!(h(&refused, "strict-transport-security"), Some("max-age=31536000; includeSubDomains; preload"));
    assert!(refused.body.contains(&format!(r#""request_id":"{id}""#)), "{}", refused.body);
    assert!(!refused.body.contains("ticket-7"), "{}", refused.body);

    // Over the body limit: 413 from SecureJson, with the id.
    let big = format!(r#"{{"text":"{}"}}"#, "x".repeat(2000));
    let too_big = send(
        http.post(&url)
            .header("authorization", &authorization)
            .header("content-type", "application/json")
            .header("x-request-id", "ticket-8")
            .body(big),
    )
    .await;
    assert_eq!(too_big.status, 413, "{}", too_big.body);
    let id = h(&too_big, "x-request-id").unwrap();
    assert!(is_generated(id) && too_big.body.contains(&format!(r#""request_id":"{id}""#)), "{}", too_big.body);

    // An unlisted origin is never reflected.
    let other =
        send(http.post(&url).header("origin", "https://evil.example").header("authorization", &authorization)).await;
    assert_eq!(h(&other, "access-control-allow-origin"), None);
}

fn is_generated(id: &str) -> bool {
    id.len() == 36 && id.as_bytes()[14] == b'4' && id.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit())
}

/// A client that sends another request's id (read off an answer, a shared
/// log, a support ticket) gets its own: the safe defaults never let a
/// client choose the id its requests are logged and reported under, nor
/// echo a value it chose.
#[tokio::test]
async fn the_safe_defaults_never_let_a_client_choose_the_request_id() {
    let routes = Router::new().route("/notes", post(create)).layer(
        AuthenticationLayer::new().api_keys(ApiKeyVerifier::new(MemoryApiKeyStore::new(), ApiKeyEnvironment::Live)),
    );
    let app = SafeDefaults::new(cors! { origins: ["https://app.example.com"], methods: [POST] })
        .https(HttpsLayer::new().allow_plain_loopback())
        .apply(routes);
    let base = format!("http://{}", serve_with_connect_info(app).await);
    let http = reqwest::Client::new();
    let url = format!("{base}/notes");

    let victim = send(http.post(&url).body("{}")).await;
    let victim_id = h(&victim, "x-request-id").unwrap().to_owned();
    assert!(is_generated(&victim_id));

    for claimed in [victim_id.as_str(), "ticket-9", r#"a"b"#, "a\\b"] {
        let reply = send(http.post(&url).header("x-request-id", claimed).body("{}")).await;
        assert_eq!(reply.status, 401);
        let id = h(&reply, "x-request-id").unwrap();
        assert!(is_generated(id) && id != victim_id, "{claimed} -> {id}");
        assert_eq!(reply.headers.get_all("x-request-id").iter().count(), 1);
        let body: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
        assert_eq!(body["request_id"], id, "{}", reply.body);
        assert!(!reply.body.contains(claimed), "{claimed}: {}", reply.body);
    }
}
