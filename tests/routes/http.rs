//! The answers: 401 without a caller on every authenticated route, 403 for
//! the wrong role or scope (before the body is looked at), 200 for a public
//! route, for anyone.

use std::net::SocketAddr;

use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtIssuer, JwtKey, JwtSigningKey, JwtValidator};
use apishield::axum::{ApiError, AuthenticationLayer, SecureJson};
use apishield::prelude::*;
use apishield::routing::{Routes, get, post};
use axum::extract::Path;
use axum::http::StatusCode;

pub(crate) const ISS: &str = "https://id.example.com";
pub(crate) const AUD: &str = "orders-api";

#[secure_request]
pub struct Refund {
    #[shield(range = 1..=100_000)]
    pub amount_cents: u64,
}

#[secure_response]
pub struct Done {
    pub id: u64,
}

pub(crate) async fn orders(principal: Principal) -> String {
    format!("orders of {}", principal.subject())
}

#[requires_scope("orders:write")]
pub(crate) async fn create_order(principal: Principal) -> (StatusCode, String) {
    (StatusCode::CREATED, format!("created by {}", principal.subject()))
}

#[requires_role("admin", "support")]
pub(crate) async fn refund(Path(id): Path<u64>, SecureJson(req): SecureJson<Refund>) -> SecureJson<Done> {
    let _ = req.amount_cents;
    SecureJson(Done { id })
}

#[owned_by(user_id)]
pub(crate) async fn user_orders(principal: Principal, Path(user_id): Path<u64>) -> Result<String, ApiError> {
    let _ = principal;
    Ok(format!("orders of user {user_id}"))
}

#[public]
pub(crate) async fn health(caller: Option<Principal>) -> String {
    match caller {
        Some(p) => format!("ok, {}", p.subject()),
        None => "ok".to_owned(),
    }
}

pub(crate) fn routes() -> Routes {
    Routes::new()
        .route("/orders", get(orders).post(create_order))
        .route("/refunds/{id}", post(refund))
        .route("/users/{user_id}/orders", get(user_orders))
        .route("/health", get(health))
}

fn issuer_and_validator() -> (JwtIssuer, JwtValidator) {
    let secret = HmacSecret::generate().unwrap();
    let signing = JwtSigningKey::hmac(JwtAlgorithm::HS256, &secret).unwrap();
    let key = JwtKey::hmac(JwtAlgorithm::HS256, &secret).unwrap();
    (JwtIssuer::new(signing, ISS, AUD), JwtValidator::builder(key).issuer(ISS).audience(AUD).build())
}

struct Service {
    addr: SocketAddr,
    issuer: JwtIssuer,
}

impl Service {
    async fn start() -> Service {
        let (issuer, validator) = issuer_and_validator();
        let app = routes().layer(AuthenticationLayer::new().jwt(validator)).into_router();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Service { addr, issuer }
    }

    fn token(&self, subject: &str, roles: &[&str], scopes: &[&str]) -> String {
        let token = self.issuer.token(subject).roles(roles.iter().copied()).scopes(scopes.iter().copied());
        token.sign().unwrap().expose_secret().to_owned()
    }

    async fn call(&self, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
        let client = reqwest::Client::new();
        let url = format!("http://{}{path}", self.addr);
        let mut request = match method {
            "POST" => client.post(url).header("content-type", "application/json").body(body.to_owned()),
            _ => client.get(url),
        };
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }
}

#[tokio::test]
async fn every_authenticated_route_is_401_without_a_caller_and_the_public_one_serves_anyone() {
    let service = Service::start().await;
    for (method, path) in [("GET", "/orders"), ("POST", "/orders"), ("POST", "/refunds/1"), ("GET", "/users/7/orders")]
    {
        let (status, body) = service.call(method, path, None, r#"{"amount_cents":5}"#).await;
        assert_eq!(status, 401, "{method} {path}: {body}");
        assert!(body.contains(r#""code":"unauthorized""#), "{body}");
    }
    assert_eq!(service.call("GET", "/health", None, "").await, (200, "ok".to_owned()));
    let someone = service.token("7", &[], &[]);
    assert_eq!(service.call("GET", "/health", Some(&someone), "").await, (200, "ok, 7".to_owned()));
    assert_eq!(service.call("GET", "/orders", Some(&someone), "").await.0, 200);
    assert_eq!(service.call("GET", "/users/7/orders", Some(&someone), "").await.0, 200);
    assert_eq!(service.call("GET", "/users/8/orders", Some(&someone), "").await.0, 403, "the owner check");
}

#[tokio::test]
async fn the_wrong_role_is_403_before_the_body_is_read() {
    let service = Service::start().await;
    let user = service.token("7", &["user"], &[]);
    // A body that would fail validation (422) if it were read: the role is checked first.
    let (status, body) = service.call("POST", "/refunds/1", Some(&user), r#"{"amount_cents":0,"role":"admin"}"#).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains(r#""code":"forbidden""#) && !body.contains("admin"), "a generic body: {body}");
    let support = service.token("8", &["support"], &[]);
    assert_eq!(
        service.call("POST", "/refunds/1", Some(&support), r#"{"amount_cents":5}"#).await,
        (200, r#"{"id":1}"#.to_owned())
    );
    let admin = service.token("9", &["admin"], &[]);
    assert_eq!(
        service.call("POST", "/refunds/2", Some(&admin), r#"{"amount_cents":0}"#).await.0,
        422,
        "then validated"
    );
}

#[tokio::test]
async fn a_missing_scope_is_403() {
    let service = Service::start().await;
    let reader = service.token("7", &[], &["orders:read"]);
    assert_eq!(service.call("POST", "/orders", Some(&reader), "").await.0, 403);
    let writer = service.token("7", &[], &["orders:read", "orders:write"]);
    assert_eq!(service.call("POST", "/orders", Some(&writer), "").await, (201, "created by 7".to_owned()));
}
