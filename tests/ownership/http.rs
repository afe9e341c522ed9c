//! Ownership and validation over real HTTP on loopback: an axum service with
//! `#[owned_by]` handlers, `SecureJson`/`SecureQuery` extractors and
//! `Authorized` responses, called by an HTTP client.

use std::net::SocketAddr;

use apishield::axum::{ApiError, SecureJson, SecureQuery};
use apishield::prelude::*;
use axum::Router;
use axum::extract::{Path, Request};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

#[owned_by(user_id)]
#[secure_response]
#[derive(Debug, Clone)]
pub struct Order {
    pub id: u64,
    pub user_id: u64,
    pub total_cents: i64,
    /// Kept on the server: the tests check it never leaves.
    #[shield(skip)]
    #[allow(dead_code)]
    pub card_fingerprint: String,
}

#[secure_request]
pub struct CreateOrder {
    #[shield(range = 1..=1_000_000)]
    pub total_cents: i64,
    #[shield(len = ..=200)]
    pub note: Option<String>,
}

#[secure_request(query)]
pub struct ListQuery {
    #[shield(range = 1..=50, default)]
    pub limit: u32,
}

fn orders() -> Vec<Order> {
    (1..=6)
        .map(|id| Order { id, user_id: id % 3, total_cents: id as i64 * 100, card_fingerprint: format!("fp-{id}") })
        .collect()
}

#[owned_by(user_id)]
async fn list_orders(
    principal: Principal,
    Path(user_id): Path<u64>,
    SecureQuery(q): SecureQuery<ListQuery>,
) -> Result<SecureJson<Vec<Authorized<Order>>>, ApiError> {
    let mine = orders().into_iter().filter(|o| o.user_id == user_id).take(q.limit as usize);
    Ok(SecureJson(principal.authorize_all(mine)))
}

#[owned_by(user_id)]
async fn get_order(principal: Principal, Path((user_id, order_id)): Path<(u64, u64)>) -> impl IntoResponse {
    match orders().into_iter().find(|o| o.id == order_id && o.user_id == user_id) {
        Some(order) => principal.authorize(order).map_err(ApiError::from).into_response(),
        None => ApiError::not_found().into_response(),
    }
}

/// Without a path owner: the object's own owner decides.
async fn get_any_order(principal: Principal, Path(order_id): Path<u64>) -> Result<Authorized<Order>, ApiError> {
    let order = orders().into_iter().find(|o| o.id == order_id).ok_or_else(ApiError::not_found)?;
    Ok(principal.authorize(order)?)
}

/// What a summary page shows of an order: a projection of the owned
/// `Order`, which converts only from `&Authorized<Order>` (from `&Order` it
/// does not compile).
#[secure_response(from = Order)]
pub struct OrderSummary {
    pub id: u64,
    pub total_cents: i64,
}

/// Without a path owner: the order's own owner decides, then it is projected.
async fn get_order_summary(
    principal: Principal,
    Path(order_id): Path<u64>,
) -> Result<SecureJson<OrderSummary>, ApiError> {
    let order = orders().into_iter().find(|o| o.id == order_id).ok_or_else(ApiError::not_found)?;
    Ok(SecureJson(OrderSummary::from(&principal.authorize(order)?)))
}

/// A list page: only the caller's orders are projected.
async fn list_order_summaries(principal: Principal) -> SecureJson<Vec<OrderSummary>> {
    SecureJson(principal.authorize_all(orders()).iter().map(OrderSummary::from).collect())
}

#[owned_by(user_id)]
async fn create_order(
    principal: Principal,
    Path(user_id): Path<u64>,
    SecureJson(req): SecureJson<CreateOrder>,
) -> Result<(axum::http::StatusCode, Authorized<Order>), ApiError> {
    let order = Order { id: 99, user_id, total_cents: req.total_cents, card_fingerprint: "fp".into() };
    Ok((axum::http::StatusCode::CREATED, principal.authorize(order)?))
}

/// Test-only authentication: `Authorization: Test <subject>[ admin]`. The
/// real layers (JWT, API keys) put the `Principal` in the same place.
async fn test_auth(mut req: Request, next: Next) -> Response {
    let principal =
        req.headers().get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Test ")).map(
            |v| {
                let mut parts = v.split(' ');
                let p = Principal::new(parts.next().unwrap_or_default());
                if parts.next() == Some("admin") { p.with_roles(["admin"]) } else { p }
            },
        );
    if let Some(p) = principal {
        req.extensions_mut().insert(p);
    }
    next.run(req).await
}

async fn serve() -> SocketAddr {
    let app = Router::new()
        .route("/users/{user_id}/orders", get(list_orders).post(create_order))
        .route("/users/{user_id}/orders/{order_id}", get(get_order))
        .route("/orders/{order_id}", get(get_any_order))
        .route("/orders/{order_id}/summary", get(get_order_summary))
        .route("/order-summaries", get(list_order_summaries))
        .layer(middleware::from_fn(test_auth));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    async fn new() -> Self {
        Client { http: reqwest::Client::new(), base: format!("http://{}", serve().await) }
    }

    async fn get(&self, path: &str, as_: Option<&str>) -> (u16, String) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(a) = as_ {
            req = req.header("authorization", format!("Test {a}"));
        }
        let res = req.send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }

    async fn post(&self, path: &str, as_: &str, content_type: &str, body: &str) -> (u16, String) {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .header("authorization", format!("Test {as_}"))
            .header("content-type", content_type)
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    }
}

#[tokio::test]
async fn owners_see_their_orders_with_exactly_the_listed_fields() {
    let c = Client::new().await;
    let (status, body) = c.get("/users/1/orders", Some("1")).await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        json,
        serde_json::json!([
            {"id": 1, "user_id": 1, "total_cents": 100},
            {"id": 4, "user_id": 1, "total_cents": 400},
        ])
    );
    assert!(!body.contains("fp-"), "skipped fields never leave");
    let (status, body) = c.get("/users/1/orders?limit=1", Some("1")).await;
    assert_eq!((status, serde_json::from_str::<Vec<serde_json::Value>>(&body).unwrap().len()), (200, 1));
}

#[tokio::test]
async fn another_users_path_is_forbidden_before_the_handler_runs() {
    let c = Client::new().await;
    let (status, body) = c.get("/users/2/orders", Some("1")).await;
    assert_eq!(status, 403);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"type": "about:blank", "title": "Forbidden", "status": 403, "code": "forbidden"})
    );
    let (status, _) = c.get("/users/2/orders/2", Some("1")).await;
    assert_eq!(status, 403);
    // Admins see everyone's.
    let (status, body) = c.get("/users/2/orders", Some("root admin")).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn object_level_checks_hold_without_a_path_owner() {
    let c = Client::new().await;
    // Order 2 belongs to user 2: user 1 guessing its id gets 403, not the order.
    assert_eq!(c.get("/orders/2", Some("1")).await.0, 403);
    assert_eq!(c.get("/orders/2", Some("2")).await.0, 200);
    assert_eq!(c.get("/orders/777", Some("2")).await.0, 404);
}

#[tokio::test]
async fn a_projection_of_an_owned_order_reaches_only_its_owner() {
    let c = Client::new().await;
    // Order 2 belongs to user 2.
    let (status, body) = c.get("/orders/2/summary", Some("2")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        serde_json::json!({"id": 2, "total_cents": 200})
    );
    let (status, body) = c.get("/orders/2/summary", Some("1")).await;
    assert_eq!(status, 403);
    assert!(!body.contains("total_cents") && !body.contains("200"), "{body}");
    assert_eq!(c.get("/orders/2/summary", Some("root admin")).await.0, 200);
    assert_eq!(c.get("/orders/2/summary", None).await.0, 401);

    let (status, body) = c.get("/order-summaries", Some("1")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        serde_json::json!([{"id": 1, "total_cents": 100}, {"id": 4, "total_cents": 400}])
    );
}

#[tokio::test]
async fn no_principal_is_401() {
    let c = Client::new().await;
    let (status, body) = c.get("/users/1/orders", None).await;
    assert_eq!(status, 401);
    assert!(body.contains(r#""code":"unauthorized""#), "{body}");
}

#[tokio::test]
async fn bodies_and_queries_are_validated_with_field_errors() {
    let c = Client::new().await;
    let (status, body) = c.post("/users/1/orders", "1", "application/json", r#"{"total_cents":500}"#).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["total_cents"], 500);

    let (status, body) =
        c.post("/users/1/orders", "1", "application/json", r#"{"total_cents":0,"user_id":2,"note":null}"#).await;
    assert_eq!(status, 422, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["code"], "validation_failed");
    assert_eq!(
        json["errors"],
        serde_json::json!([
            {"field": "total_cents", "code": "out_of_range", "message": "must be between 1 and 1000000"},
            {"field": "user_id", "code": "unknown_field", "message": "is not a field of this object"},
        ])
    );

    assert_eq!(c.post("/users/1/orders", "1", "text/plain", r#"{"total_cents":5}"#).await.0, 415);
    assert_eq!(c.post("/users/1/orders", "1", "application/json", r#"{"total_cents":"#).await.0, 400);
    let huge = format!(r#"{{"total_cents":5,"note":"{}"}}"#, "x".repeat(2 * 1024 * 1024));
    assert_eq!(c.post("/users/1/orders", "1", "application/json", &huge).await.0, 413);

    let (status, body) = c.get("/users/1/orders?limit=500", Some("1")).await;
    assert_eq!(status, 422, "{body}");
    let long = format!("/users/1/orders?limit=1&{}", "x=1&".repeat(200));
    assert_eq!(c.get(&long, Some("1")).await.0, 414);
    // A valid body for another user's path: the check stops it before the handler's body.
    assert_eq!(c.post("/users/2/orders", "1", "application/json", r#"{"total_cents":5}"#).await.0, 403);
}
