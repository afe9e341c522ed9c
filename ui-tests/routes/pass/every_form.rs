#![deny(warnings)]
//! Every accepted way to write a route: authenticated by a `Principal`, by
//! a role or scope guard, by a webhook signature; declared public (with an
//! optional caller); idempotent and owner-checked handlers; chained methods,
//! nesting, state, a fallback, an extractor of one's own.
use apishield::axum::{ApiError, Idempotency, SecureJson};
use apishield::prelude::*;
use apishield::routing::{Extractor, Routes, access, get, post};
use axum::extract::{FromRef, FromRequestParts, Path, State};
use axum::http::request::Parts;

#[secure_request]
pub struct CreateOrder {
    #[shield(range = 1..=1_000_000)]
    pub total_cents: u64,
}

#[secure_response]
pub struct OrderView {
    pub id: u64,
}

#[derive(Clone)]
pub struct AppState {
    idempotency: Idempotency,
}

impl FromRef<AppState> for Idempotency {
    fn from_ref(state: &AppState) -> Self {
        state.idempotency.clone()
    }
}

pub struct Tenant(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Tenant {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let tenant = parts.headers.get("x-tenant").and_then(|v| v.to_str().ok()).unwrap_or_default();
        Ok(Tenant(tenant.to_owned()))
    }
}

impl Extractor for Tenant {
    type Access = access::Open;
}

async fn list(principal: Principal, State(_state): State<AppState>, Tenant(_t): Tenant) -> SecureJson<Vec<OrderView>> {
    let _ = principal;
    SecureJson(Vec::new())
}

#[requires_scope("orders:write")]
#[idempotent]
async fn create(
    _key: IdempotencyKey,
    principal: Principal,
    SecureJson(req): SecureJson<CreateOrder>,
) -> Result<SecureJson<OrderView>, ApiError> {
    let _ = principal;
    Ok(SecureJson(OrderView { id: req.total_cents }))
}

#[requires_role("admin", "support")]
async fn refund(Path(id): Path<u64>) -> String {
    format!("refunded {id}")
}

#[owned_by(user_id)]
async fn of_user(principal: Principal, Path(user_id): Path<u64>) -> Result<String, ApiError> {
    let _ = principal;
    Ok(format!("orders of {user_id}"))
}

#[public]
async fn health(caller: Option<Principal>) -> &'static str {
    if caller.is_some() { "ok, you" } else { "ok" }
}

#[public]
async fn not_found() -> ApiError {
    ApiError::not_found()
}

fn main() {
    let admin: Routes<AppState> = Routes::new().route("/refunds/{id}", post(refund));
    let routes: Routes<AppState> = Routes::new()
        .route("/orders", get(list).post(create))
        .route("/users/{user_id}/orders", get(of_user))
        .route("/health", get(health))
        .nest("/admin", admin)
        .fallback(not_found);
    assert_eq!(routes.entries().len(), 6);
    let _app: axum::Router = routes.with_state(AppState { idempotency: Idempotency::memory() }).into_router();
}
