//! `SecurityHeaders` and `RequestIdLayer` over real HTTP on loopback: every
//! checklist header on every answer (errors and 404s included), `Server` and
//! `X-Powered-By` removed, a route's own caching kept unless enforced; the
//! request id taken from the client only when it is safe, the same id in the
//! handler, on the answer and in problem+json bodies, also under concurrency.

use apishield::axum::ApiError;
use apishield::headers::{RequestId, RequestIdLayer, SecurityHeaders};
use apishield_tests::http::serve;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::routing::get;

const CHECKLIST: [(&str, &str); 9] = [
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("x-xss-protection", "0"),
    ("strict-transport-security", "max-age=31536000; includeSubDomains; preload"),
    ("content-security-policy", "default-src 'none'; frame-ancestors 'none'"),
    ("referrer-policy", "strict-origin-when-cross-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
    ("cache-control", "no-store, no-cache, must-revalidate, private"),
    ("pragma", "no-cache"),
];

fn routes() -> Router {
    Router::new()
        .route("/plain", get(|| async { "{}" }))
        .route("/leaky", get(|| async { ([("server", "nginx/1.2.3"), ("x-powered-by", "Express")], "{}") }))
        .route("/cached", get(|| async { ([("cache-control", "public, max-age=60")], "{}") }))
        .route("/framed", get(|| async { ([("x-frame-options", "SAMEORIGIN")], "{}") }))
        .route("/fail", get(|| async { Err::<String, _>(ApiError::internal("database on fire")) }))
        .route("/forbidden", get(|| async { Err::<String, _>(ApiError::forbidden()) }))
        .route("/id", get(|id: RequestId| async move { id.to_string() }))
        .route("/maybe-id", get(|id: Option<RequestId>| async move { format!("{id:?}") }))
        .route("/current", get(|| async { format!("{:?}", RequestId::current().map(|i| i.to_string())) }))
}

async fn get_url(url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(url);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.unwrap()
}

fn header<'a>(resp: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    resp.headers().get(name).map(|v| v.to_str().unwrap())
}

#[tokio::test]
async fn every_answer_carries_the_checklist_and_no_server_identity() {
    let base = format!("http://{}", serve(routes().layer(SecurityHeaders::api())).await);
    for (path, status) in [("/plain", 200), ("/leaky", 200), ("/fail", 500), ("/forbidden", 403), ("/nowhere", 404)] {
        let resp = get_url(&format!("{base}{path}"), &[]).await;
        assert_eq!(resp.status(), status, "{path}");
        for (name, value) in CHECKLIST {
            assert_eq!(header(&resp, name), Some(value), "{path} {name}");
            assert_eq!(resp.headers().get_all(name).iter().count(), 1, "{path} {name}");
        }
        assert_eq!(header(&resp, "server"), None, "{path}");
        assert_eq!(header(&resp, "x-powered-by"), None, "{path}");
    }
}

#[tokio::test]
async fn a_routes_own_value_wins_unless_enforced() {
    let base = format!("http://{}", serve(routes().layer(SecurityHeaders::api())).await);
    let resp = get_url(&format!("{base}/cached"), &[]).await;
    assert_eq!(header(&resp, "cache-control"), Some("public, max-age=60"));
    assert_eq!(header(&resp, "pragma"), None, "Pragma would contradict the route's caching");
    assert_eq!(header(&resp, "x-content-type-options"), Some("nosniff"));
    let resp = get_url(&format!("{base}/framed"), &[]).await;
    assert_eq!(header(&resp, "x-frame-options"), Some("SAMEORIGIN"));

    let base = format!("http://{}", serve(routes().layer(SecurityHeaders::api().enforce())).await);
    let resp = get_url(&format!("{base}/cached"), &[]).await;
    assert_eq!(header(&resp, "cache-control"), Some("no-store, no-cache, must-revalidate, private"));
    assert_eq!(header(&resp, "pragma"), Some("no-cache"));
    let resp = get_url(&format!("{base}/framed"), &[]).await;
    assert_eq!(header(&resp, "x-frame-options"), Some("DENY"));
}

#[tokio::test]
async fn the_defaults_can_be_changed_one_by_one() {
    let headers = SecurityHeaders::api()
        .header(HeaderName::from_static("strict-transport-security"), HeaderValue::from_static("max-age=63072000"))
        .without(HeaderName::from_static("x-xss-protection"))
        .remove(HeaderName::from_static("x-aspnet-version"))
        .header(HeaderName::from_static("cross-origin-resource-policy"), HeaderValue::from_static("same-origin"));
    let app = routes()
        .route("/aspnet", get(|| async { ([("x-aspnet-version", "4.0"), ("x-xss-protection", "1")], "{}") }))
        .layer(headers);
    let base = format!("http://{}", serve(app).await);
    let resp = get_url(&format!("{base}/aspnet"), &[]).await;
    assert_eq!(header(&resp, "strict-transport-security"), Some("max-age=63072000"));
    assert_eq!(header(&resp, "cross-origin-resource-policy"), Some("same-origin"));
    assert_eq!(header(&resp, "x-aspnet-version"), None);
    // No longer a default: the route's value stays as it is.
    assert_eq!(header(&resp, "x-xss-protection"), Some("1"));
    assert_eq!(header(&resp, "x-frame-options"), Some("DENY"));
}

fn is_generated(id: &str) -> bool {
    id.len() == 36 && id.as_bytes()[14] == b'4' && id.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit())
}

#[tokio::test]
async fn a_request_id_is_generated_seen_by_the_handler_and_returned() {
    let base = format!("http://{}", serve(routes().layer(RequestIdLayer::new())).await);
    let resp = get_url(&format!("{base}/id"), &[]).await;
    let id = header(&resp, "x-request-id").unwrap().to_owned();
    assert!(is_generated(&id), "{id}");
    assert_eq!(resp.text().await.unwrap(), id);

    let other = get_url(&format!("{base}/id"), &[]).await;
    assert_ne!(header(&other, "x-request-id").unwrap(), id);

    let resp = get_url(&format!("{base}/current"), &[("x-request-id", "abc")]).await;
    assert_eq!(resp.text().await.unwrap(), r#"Some("abc")"#);
}

#[tokio::test]
async fn a_safe_incoming_id_is_kept_and_any_other_replaced() {
    let base = format!("http://{}", serve(routes().layer(RequestIdLayer::new())).await);
    for kept in
        ["abc", "0f8c2b9e-1d2a-4c5b-8e7f-123456789abc", "Root=1-5759e988-bd862e3fe1be46a994272793", &"x".repeat(64)]
    {
        let resp = get_url(&format!("{base}/id"), &[("x-request-id", kept)]).await;
        assert_eq!(header(&resp, "x-request-id"), Some(kept));
        assert_eq!(resp.text().await.unwrap(), kept);
    }
    for replaced in [&"x".repeat(65), "two words", ""] {
        let resp = get_url(&format!("{base}/id"), &[("x-request-id", replaced)]).await;
        let id = header(&resp, "x-request-id").unwrap().to_owned();
        assert!(is_generated(&id), "{replaced:?} -> {id}");
        assert_eq!(resp.text().await.unwrap(), id, "the handler sees the replacement");
    }
    // Not ASCII, and sent twice: replaced.
    let mut weird = reqwest::header::HeaderMap::new();
    weird.insert("x-request-id", HeaderValue::from_bytes("caf\u{e9}".as_bytes()).unwrap());
    let resp = reqwest::Client::new().get(format!("{base}/id")).headers(weird).send().await.unwrap();
    assert!(is_generated(header(&resp, "x-request-id").unwrap()));
    let mut twice = reqwest::header::HeaderMap::new();
    twice.append("x-request-id", HeaderValue::from_static("a"));
    twice.append("x-request-id", HeaderValue::from_static("b"));
    let resp = reqwest::Client::new().get(format!("{base}/id")).headers(twice).send().await.unwrap();
    assert!(is_generated(header(&resp, "x-request-id").unwrap()));
    assert_eq!(resp.headers().get_all("x-request-id").iter().count(), 1);
}

#[tokio::test]
async fn ignore_incoming_and_another_header_name() {
    let layer = RequestIdLayer::new().ignore_incoming().header(HeaderName::from_static("x-correlation-id"));
    let base = format!("http://{}", serve(routes().layer(layer)).await);
    let resp = get_url(&format!("{base}/id"), &[("x-correlation-id", "chosen-by-client")]).await;
    let id = header(&resp, "x-correlation-id").unwrap().to_owned();
    assert!(is_generated(&id));
    assert_eq!(header(&resp, "x-request-id"), None);
    assert_eq!(resp.text().await.unwrap(), id);
}

#[tokio::test]
async fn problem_json_bodies_carry_the_request_id() {
    let base = format!("http://{}", serve(routes().layer(RequestIdLayer::new())).await);
    let resp = get_url(&format!("{base}/fail"), &[("x-request-id", "support-ticket-42")]).await;
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR.as_u16());
    let body: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({
            "type": "about:blank", "title": "Internal Server Error", "status": 500,
            "code": "internal_error", "request_id": "support-ticket-42"
        })
    );

    // Without the layer: no id, no extractor (500), an optional extractor sees None.
    let bare = format!("http://{}", serve(routes()).await);
    let body: serde_json::Value =
        serde_json::from_str(&get_url(&format!("{bare}/forbidden"), &[]).await.text().await.unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"type": "about:blank", "title": "Forbidden", "status": 403, "code": "forbidden"})
    );
    assert_eq!(get_url(&format!("{bare}/id"), &[]).await.status(), 500);
    assert_eq!(get_url(&format!("{bare}/maybe-id"), &[]).await.text().await.unwrap(), "None");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_concurrent_error_body_names_its_own_request() {
    // Handlers that yield before failing, so requests interleave on the
    // same worker threads: the id must follow the request, not the thread.
    let app = Router::new()
        .route(
            "/slow-fail",
            get(|| async {
                for _ in 0..10 {
                    tokio::task::yield_now().await;
                }
                Err::<String, _>(ApiError::conflict("busy"))
            }),
        )
        .layer(RequestIdLayer::new());
    let base = format!("http://{}", serve(app).await);
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let (client, url) = (client.clone(), format!("{base}/slow-fail"));
        tasks.push(tokio::spawn(async move {
            let mut req = client.get(url);
            if i % 2 == 0 {
                req = req.header("x-request-id", format!("client-{i}"));
            }
            let resp = req.send().await.unwrap();
            let id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
            let body: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
            if i % 2 == 0 {
                assert_eq!(id, format!("client-{i}"));
            }
            assert_eq!(body["request_id"], id.as_str());
            id
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.unwrap());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 200);
}

#[tokio::test]
async fn stacked_with_cors_in_the_documented_order() {
    let app = routes()
        .layer(apishield::cors! { origins: ["https://app.example.com"], methods: [GET] }.layer())
        .layer(SecurityHeaders::api())
        .layer(RequestIdLayer::new());
    let base = format!("http://{}", serve(app).await);
    let preflight = [("origin", "https://evil.example"), ("access-control-request-method", "GET")];
    let resp = reqwest::Client::new()
        .request(reqwest::Method::OPTIONS, format!("{base}/plain"))
        .header(preflight[0].0, preflight[0].1)
        .header(preflight[1].0, preflight[1].1)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    for (name, value) in CHECKLIST {
        assert_eq!(header(&resp, name), Some(value), "{name}");
    }
    let id = header(&resp, "x-request-id").unwrap().to_owned();
    let body: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
    assert_eq!(body["request_id"], id.as_str());
}
