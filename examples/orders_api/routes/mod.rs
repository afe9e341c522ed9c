//! The routes, one module per resource. Every route is authenticated
//! unless its handler is `#[public]`: `apishield::routing`'s `get`, `post`,
//! ... refuse at compile time a handler that neither takes a caller
//! (`Principal`, a role or scope guard, a `Verified<T>` webhook) nor is
//! declared public.

pub mod admin;
pub mod api_keys;
pub mod health;
pub mod openapi;
pub mod orders;
pub mod payments;
pub mod users;
pub mod webhooks;

use apishield::axum::{ApiError, RateLimitLayer};
use apishield::routing::{Routes, delete, get, post};
use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;

use super::state::AppState;

/// A numeric id from the path (`/orders/{order_id}`). Anything else is a
/// 404 problem+json: axum's own `Path<u64>` rejection is plain text that
/// echoes the value (`Cannot parse `abc` to a `u64``).
#[derive(Debug, Clone, Copy)]
pub struct Id(pub u64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<u64>::from_request_parts(parts, state).await {
            Ok(Path(id)) => Ok(Id(id)),
            Err(_) => Err(ApiError::not_found()),
        }
    }
}

/// It authenticates no one (the route's `Principal` does).
impl apishield::routing::Extractor for Id {
    type Access = apishield::routing::access::Open;
}

/// Every route of the service, the rate limit around all but the health
/// check (before authentication, the safe defaults and the state).
pub fn routes(rate_limit: RateLimitLayer) -> Routes<AppState> {
    let admin = Routes::new().route("/orders", get(admin::all_orders));
    Routes::new()
        .route("/me", get(users::me).put(users::update_me))
        .route("/users/{user_id}", get(users::user))
        .route("/orders", post(orders::create).get(orders::list))
        .route("/orders/{order_id}", get(orders::get).put(orders::update))
        .route("/payments", post(payments::create))
        .route("/payments/{payment_id}", get(payments::get))
        .route("/webhooks/payments", post(webhooks::payment_event))
        .route("/api-keys", post(api_keys::issue).get(api_keys::list))
        .route("/api-keys/{key_id}/rotate", post(api_keys::rotate))
        .route("/api-keys/{key_id}", delete(api_keys::revoke))
        .nest("/admin", admin)
        .layer(rate_limit)
        // Added after the rate limit, so outside it: a load balancer checks
        // health from a few addresses, often (every 2 s is 30 a minute, over
        // the anonymous tier's 20), and must not be answered 429.
        .route("/health", get(health::health))
}
