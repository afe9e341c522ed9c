//! The routes, one module per resource. Every route is authenticated
//! unless its handler is `#[public]`: `apishield::routing`'s `get`, `post`,
//! ... refuse at compile time a handler that neither takes a caller
//! (`Principal`, a role or scope guard, a `Verified<T>` webhook) nor is
//! declared public.

pub mod admin;
pub mod api_keys;
pub mod health;
pub mod orders;
pub mod payments;
pub mod users;
pub mod webhooks;

use apishield::axum::ApiError;
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

/// Every route of the service, before layers and state.
pub fn routes() -> Routes<AppState> {
    let admin = Routes::new().route("/orders", get(admin::all_orders));
    Routes::new()
        .route("/health", get(health::health))
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
}
