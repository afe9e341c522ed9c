//! The CORS layer over real HTTP on loopback: preflights allowed and
//! refused (and the route never runs for them), an unlisted origin never
//! reflected, `Vary: Origin` on every answer, credentials and exposed
//! headers only as configured, `*` for a public API, and a policy built at
//! run time or read from configuration behaving like the macro's.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use apishield::axum::RequestIdLayer;
use apishield::cors::CorsPolicy;
use apishield::prelude::*;
use apishield_tests::http::serve;
use axum::Router;
use axum::extract::Extension;
use axum::http::{HeaderMap, HeaderValue};
use axum::routing::get;
use reqwest::Method;

const APP: &str = "https://app.example.com";

/// Request headers, name and value.
type Headers<'a> = &'a [(&'a str, &'a str)];

fn design_policy() -> CorsPolicy {
    cors! {
        origins: ["https://app.example.com", "https://admin.example.com"],
        methods: [GET, POST],
        headers: ["Authorization", "Content-Type"],
        credentials: true,
        max_age: 3600,
        expose: ["X-RateLimit-Remaining"],
    }
}

/// Routes that count their runs; `/reflect` is a route that (wrongly) sets
/// its own CORS headers, echoing the request's Origin.
fn app(policy: &CorsPolicy, runs: Arc<AtomicUsize>) -> Router {
    Router::new()
        .route(
            "/orders",
            get(|Extension(runs): Extension<Arc<AtomicUsize>>| async move {
                runs.fetch_add(1, Ordering::SeqCst);
                ([("x-ratelimit-remaining", "41")], "[]")
            })
            .post(|Extension(runs): Extension<Arc<AtomicUsize>>| async move {
                runs.fetch_add(1, Ordering::SeqCst);
                "created"
            })
            .options(|Extension(runs): Extension<Arc<AtomicUsize>>| async move {
                runs.fetch_add(1, Ordering::SeqCst);
                "options route"
            }),
        )
        .route(
            "/reflect",
            get(|headers: HeaderMap| async move {
                let origin = headers.get("origin").cloned().unwrap_or(HeaderValue::from_static("x"));
                (
                    [
                        ("access-control-allow-origin", origin),
                        ("access-control-allow-credentials", HeaderValue::from_static("true")),
                        ("vary", HeaderValue::from_static("Accept-Encoding")),
                    ],
                    "reflected",
                )
            }),
        )
        .route("/vary", get(|| async { ([("vary", "Origin")], "varies") }))
        .layer(policy.layer())
        .layer(RequestIdLayer::new())
        .layer(Extension(runs))
}

async fn start(policy: &CorsPolicy) -> (String, Arc<AtomicUsize>) {
    let runs = Arc::new(AtomicUsize::new(0));
    let addr = serve(app(policy, runs.clone())).await;
    (format!("http://{addr}"), runs)
}

async fn request(method: Method, url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut req = reqwest::Client::new().request(method, url);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.send().await.unwrap()
}

fn header<'a>(resp: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    resp.headers().get(name).map(|v| v.to_str().unwrap())
}

fn vary(resp: &reqwest::Response) -> Vec<String> {
    resp.headers()
        .get_all("vary")
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(',').map(|t| t.trim().to_ascii_lowercase()).collect::<Vec<_>>())
        .collect()
}

fn has_no_cors_headers(resp: &reqwest::Response) -> bool {
    resp.headers().keys().all(|name| !name.as_str().starts_with("access-control-"))
}

#[tokio::test]
async fn a_listed_origin_gets_its_own_origin_credentials_and_exposed_headers() {
    let (base, runs) = start(&design_policy()).await;
    for origin in [APP, "https://admin.example.com"] {
        let resp = request(Method::GET, &format!("{base}/orders"), &[("origin", origin)]).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(header(&resp, "access-control-allow-origin"), Some(origin));
        assert_eq!(header(&resp, "access-control-allow-credentials"), Some("true"));
        assert_eq!(header(&resp, "access-control-expose-headers"), Some("x-ratelimit-remaining"));
        assert_eq!(vary(&resp), ["origin"]);
        // Preflight-only headers are not on simple answers.
        assert_eq!(header(&resp, "access-control-allow-methods"), None);
        assert_eq!(resp.text().await.unwrap(), "[]");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_unlisted_origin_is_never_reflected_but_the_route_still_answers() {
    let (base, runs) = start(&design_policy()).await;
    let unlisted = [
        "https://evil.example",
        "null",
        "https://APP.example.com",
        "HTTPS://app.example.com",
        "https://app.example.com/",
        "https://app.example.com:443",
        "http://app.example.com",
        "https://app.example.com.evil.example",
        "https://evil-app.example.com",
        "https://sub.app.example.com",
        "https://app.example.co",
        "https://app.example.com, https://evil.example",
        "*",
    ];
    // (A leading space is not a case: HTTP strips it before anyone sees it.)
    for origin in unlisted {
        let resp = request(Method::GET, &format!("{base}/orders"), &[("origin", origin)]).await;
        assert_eq!(resp.status(), 200, "{origin}");
        assert!(has_no_cors_headers(&resp), "{origin}: {:?}", resp.headers());
        assert_eq!(vary(&resp), ["origin"], "{origin}");
    }
    assert_eq!(runs.load(Ordering::SeqCst), unlisted.len());

    // Sent twice (even once listed), the origin is ambiguous: no CORS headers.
    let mut twice = HeaderMap::new();
    twice.append("origin", HeaderValue::from_static(APP));
    twice.append("origin", HeaderValue::from_static("https://evil.example"));
    let resp = reqwest::Client::new().get(format!("{base}/orders")).headers(twice).send().await.unwrap();
    assert!(has_no_cors_headers(&resp));
}

#[tokio::test]
async fn the_layer_owns_the_cors_headers_a_route_sets() {
    let (base, _) = start(&design_policy()).await;
    let resp = request(Method::GET, &format!("{base}/reflect"), &[("origin", "https://evil.example")]).await;
    assert!(has_no_cors_headers(&resp), "{:?}", resp.headers());
    assert_eq!(vary(&resp), ["accept-encoding", "origin"]);

    let resp = request(Method::GET, &format!("{base}/reflect"), &[("origin", APP)]).await;
    assert_eq!(header(&resp, "access-control-allow-origin"), Some(APP));
    assert_eq!(resp.headers().get_all("access-control-allow-origin").iter().count(), 1);

    // A route that already varies on Origin does not get it twice.
    let resp = request(Method::GET, &format!("{base}/vary"), &[("origin", APP)]).await;
    assert_eq!(vary(&resp), ["origin"]);
}

#[tokio::test]
async fn vary_origin_is_on_answers_to_requests_without_origin() {
    let (base, _) = start(&design_policy()).await;
    let resp = request(Method::GET, &format!("{base}/orders"), &[]).await;
    assert_eq!(resp.status(), 200);
    assert!(has_no_cors_headers(&resp));
    assert_eq!(vary(&resp), ["origin"]);
    // Also on answers the router makes itself (404).
    let resp = request(Method::GET, &format!("{base}/nowhere"), &[("origin", APP)]).await;
    assert_eq!(resp.status(), 404);
    assert_eq!(vary(&resp), ["origin"]);
}

#[tokio::test]
async fn an_allowed_preflight_is_answered_204_without_running_the_route() {
    let (base, runs) = start(&design_policy()).await;
    for requested_headers in [None, Some("authorization,content-type"), Some("Content-Type , AUTHORIZATION"), Some("")]
    {
        let mut headers = vec![("origin", APP), ("access-control-request-method", "POST")];
        if let Some(h) = requested_headers {
            headers.push(("access-control-request-headers", h));
        }
        let resp = request(Method::OPTIONS, &format!("{base}/orders"), &headers).await;
        assert_eq!(resp.status(), 204, "{requested_headers:?}");
        assert_eq!(header(&resp, "access-control-allow-origin"), Some(APP));
        assert_eq!(header(&resp, "access-control-allow-methods"), Some("GET, POST"));
        assert_eq!(header(&resp, "access-control-allow-headers"), Some("authorization, content-type"));
        assert_eq!(header(&resp, "access-control-max-age"), Some("3600"));
        assert_eq!(header(&resp, "access-control-allow-credentials"), Some("true"));
        assert_eq!(vary(&resp), ["origin", "access-control-request-method", "access-control-request-headers"]);
        assert_eq!(resp.text().await.unwrap(), "");
    }
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn a_refused_preflight_is_403_problem_json_without_cors_headers() {
    let (base, runs) = start(&design_policy()).await;
    let cases: [&[(&str, &str)]; 6] = [
        &[("origin", "https://evil.example"), ("access-control-request-method", "GET")],
        &[("origin", "null"), ("access-control-request-method", "GET")],
        &[("origin", APP), ("access-control-request-method", "DELETE")],
        &[("origin", APP), ("access-control-request-method", "post")],
        &[("origin", APP), ("access-control-request-method", "POST"), ("access-control-request-headers", "x-secret")],
        &[
            ("origin", APP),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type,authorization,x-api-key"),
        ],
    ];
    for headers in cases {
        let resp = request(Method::OPTIONS, &format!("{base}/orders"), headers).await;
        assert_eq!(resp.status(), 403, "{headers:?}");
        assert!(has_no_cors_headers(&resp), "{headers:?}");
        assert_eq!(header(&resp, "content-type"), Some("application/problem+json"));
        let id = header(&resp, "x-request-id").unwrap().to_owned();
        let body: serde_json::Value = serde_json::from_str(&resp.text().await.unwrap()).unwrap();
        assert_eq!(body["code"], "cors_preflight_denied");
        assert_eq!(body["status"], 403);
        assert_eq!(body["request_id"], id.as_str());
    }
    assert_eq!(runs.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn options_without_a_requested_method_is_not_a_preflight() {
    let (base, runs) = start(&design_policy()).await;
    let resp = request(Method::OPTIONS, &format!("{base}/orders"), &[("origin", APP)]).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header(&resp, "access-control-allow-origin"), Some(APP));
    assert_eq!(resp.text().await.unwrap(), "options route");
    assert_eq!(runs.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn without_credentials_no_credentials_header_is_sent() {
    let policy = cors! { origins: ["https://app.example.com"], methods: [GET] };
    let (base, _) = start(&policy).await;
    let resp = request(Method::GET, &format!("{base}/reflect"), &[("origin", APP)]).await;
    assert_eq!(header(&resp, "access-control-allow-origin"), Some(APP));
    // The route's own `Access-Control-Allow-Credentials: true` is removed too.
    assert_eq!(header(&resp, "access-control-allow-credentials"), None);
    assert_eq!(header(&resp, "access-control-expose-headers"), None);

    let preflight = [("origin", APP), ("access-control-request-method", "GET")];
    let resp = request(Method::OPTIONS, &format!("{base}/orders"), &preflight).await;
    assert_eq!(resp.status(), 204);
    assert_eq!(header(&resp, "access-control-allow-credentials"), None);
    assert_eq!(header(&resp, "access-control-allow-headers"), None);
    assert_eq!(header(&resp, "access-control-max-age"), None);
    assert_eq!(header(&resp, "access-control-allow-methods"), Some("GET"));
    // No header is allowed, so asking for one is refused.
    let asking = [("origin", APP), ("access-control-request-method", "GET"), ("access-control-request-headers", "x-a")];
    assert_eq!(request(Method::OPTIONS, &format!("{base}/orders"), &asking).await.status(), 403);
}

#[tokio::test]
async fn a_public_api_answers_star_to_every_origin_and_never_credentials() {
    let policy = cors! { origins: ["*"], methods: [GET], headers: ["Content-Type"] };
    let (base, _) = start(&policy).await;
    for origin in ["https://anyone.example", "null", APP] {
        let resp = request(Method::GET, &format!("{base}/reflect"), &[("origin", origin)]).await;
        assert_eq!(header(&resp, "access-control-allow-origin"), Some("*"), "{origin}");
        assert_eq!(header(&resp, "access-control-allow-credentials"), None);
        assert!(vary(&resp).contains(&"origin".to_owned()));
    }
    let preflight = [("origin", "https://anyone.example"), ("access-control-request-method", "GET")];
    let resp = request(Method::OPTIONS, &format!("{base}/orders"), &preflight).await;
    assert_eq!(resp.status(), 204);
    assert_eq!(header(&resp, "access-control-allow-origin"), Some("*"));
    let post = [("origin", "https://anyone.example"), ("access-control-request-method", "POST")];
    assert_eq!(request(Method::OPTIONS, &format!("{base}/orders"), &post).await.status(), 403);
}

/// Both policies give the same status and CORS headers to the same
/// requests, over HTTP.
async fn assert_serves_alike(policy: &CorsPolicy, reference: &CorsPolicy) {
    let (built, _) = start(policy).await;
    let (compiled, _) = start(reference).await;
    let cases: [(Method, &str, Headers<'_>); 4] = [
        (Method::GET, "/orders", &[("origin", APP)]),
        (Method::GET, "/orders", &[("origin", "https://evil.example")]),
        (Method::OPTIONS, "/orders", &[("origin", APP), ("access-control-request-method", "POST")]),
        (Method::OPTIONS, "/orders", &[("origin", APP), ("access-control-request-method", "PUT")]),
    ];
    for (method, path, headers) in cases {
        let a = request(method.clone(), &format!("{built}{path}"), headers).await;
        let b = request(method, &format!("{compiled}{path}"), headers).await;
        assert_eq!(a.status(), b.status());
        let cors = |r: &reqwest::Response| {
            let mut h: Vec<_> = r
                .headers()
                .iter()
                .filter(|(n, _)| n.as_str().starts_with("access-control-") || n.as_str() == "vary")
                .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap()))
                .collect();
            h.sort();
            h
        };
        assert_eq!(cors(&a), cors(&b));
    }
}

#[tokio::test]
async fn a_policy_built_at_run_time_serves_like_the_macros() {
    // As it would come from an environment variable.
    let configured = "https://app.example.com,https://admin.example.com";
    let policy = CorsPolicy::builder()
        .origin_list(configured)
        .methods(["GET", "POST"])
        .headers(["Authorization", "Content-Type"])
        .credentials(true)
        .max_age(std::time::Duration::from_secs(3600))
        .expose(["X-RateLimit-Remaining"])
        .build()
        .unwrap();
    assert_serves_alike(&policy, &design_policy()).await;

    // And refuses what the macro refuses, with the reason.
    let err = CorsPolicy::builder().origin_list("https://app.example.com/, null").methods(["GET"]).build().unwrap_err();
    assert_eq!(err.problems().len(), 2);
    assert!(err.to_string().contains("write \"https://app.example.com\""), "{err}");
}

#[tokio::test]
async fn a_policy_from_configuration_serves_like_the_macros() {
    let policy: CorsPolicy = toml::from_str(
        r#"
        origins = ["https://app.example.com", "https://admin.example.com"]
        methods = ["GET", "POST"]
        headers = ["Authorization", "Content-Type"]
        credentials = true
        max_age = "1h"
        expose = ["X-RateLimit-Remaining"]
        "#,
    )
    .unwrap();
    assert_serves_alike(&policy, &design_policy()).await;

    // And refuses what the macro refuses, with the builder's reasons.
    let err =
        toml::from_str::<CorsPolicy>("origins = \"https://app.example.com/, null\"\nmethods = [\"GET\"]").unwrap_err();
    assert!(err.message().contains("write \"https://app.example.com\""), "{err}");
    assert!(err.message().contains("origins: `null`"), "{err}");
}
