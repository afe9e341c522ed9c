//! `SecureJson` and `SecureQuery` over real HTTP on loopback: the default
//! problem+json answers, and the typed rejections a handler takes to see
//! the `RequestError` and answer in its own words.

use apishield::axum::{SecureJson, SecureJsonRejection, SecureQuery, SecureQueryRejection};
use apishield::prelude::*;
use apishield_tests::http::serve;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};

#[secure_request]
pub struct Rename {
    #[shield(len = 1..=10)]
    pub name: String,
}

#[secure_request(query)]
pub struct Search {
    #[shield(len = 1..=10)]
    pub q: String,
}

async fn strict(SecureJson(rename): SecureJson<Rename>) -> String {
    rename.name
}

/// Answers refusals in its own format: the status and the failing fields.
async fn own_words(body: Result<SecureJson<Rename>, SecureJsonRejection>) -> (StatusCode, String) {
    match body {
        Ok(SecureJson(rename)) => (StatusCode::OK, rename.name),
        Err(rejection) => {
            let codes: Vec<String> =
                rejection.error().errors().iter().map(|e| format!("{}:{}", e.path(), e.code().as_str())).collect();
            (StatusCode::BAD_REQUEST, format!("{} {}", rejection.status().as_u16(), codes.join(",")))
        }
    }
}

async fn search(query: Result<SecureQuery<Search>, SecureQueryRejection>) -> (StatusCode, String) {
    match query {
        Ok(SecureQuery(search)) => (StatusCode::OK, search.q),
        Err(rejection) => {
            (rejection.status(), format!("query: {}", rejection.into_error().errors()[0].code().as_str()))
        }
    }
}

async fn post_json(base: &str, path: &str, content_type: &str, body: &str) -> (u16, String, String) {
    let resp = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .header("content-type", content_type)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let kind = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, kind, resp.text().await.unwrap())
}

#[tokio::test]
async fn the_default_rejection_is_problem_json_and_a_handler_can_answer_in_its_own_words() {
    let app = Router::new().route("/strict", post(strict)).route("/own", post(own_words)).route("/search", get(search));
    let base = format!("http://{}", serve(app).await);

    // The extractor's own answer: problem+json with every field's error.
    let (status, kind, body) = post_json(&base, "/strict", "application/json", r#"{"name":""}"#).await;
    assert_eq!((status, kind.as_str()), (422, "application/problem+json"));
    assert!(body.contains(r#""code":"validation_failed""#) && body.contains(r#""field":"name""#), "{body}");
    let (status, _, _) = post_json(&base, "/strict", "text/plain", r#"{"name":"a"}"#).await;
    assert_eq!(status, 415);

    // The handler's: the same error, read through the rejection.
    let (status, _, body) = post_json(&base, "/own", "application/json", r#"{"name":"","role":"admin"}"#).await;
    assert_eq!((status, body.as_str()), (400, "422 name:too_short,role:unknown_field"));
    let (status, _, body) = post_json(&base, "/own", "text/plain", "{}").await;
    assert_eq!((status, body.as_str()), (400, "415 :unsupported_media_type"));
    let (status, _, body) = post_json(&base, "/own", "application/json", r#"{"name":"ok"}"#).await;
    assert_eq!((status, body.as_str()), (200, "ok"));

    let get = |q: String| {
        let url = format!("{base}/search?{q}");
        async move {
            let resp = reqwest::get(url).await.unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        }
    };
    assert_eq!(get("q=rust".into()).await, (200, "rust".to_owned()));
    assert_eq!(get("q=".into()).await, (422, "query: too_short".to_owned()));
    assert_eq!(get(format!("q={}", "a".repeat(600))).await, (414, "query: query_too_long".to_owned()));
}
