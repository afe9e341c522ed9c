#![deny(warnings)]
//! #[owned_by] on resources and on axum handlers of every accepted shape.
use apishield::axum::{ApiError, SecureJson};
use apishield::prelude::*;
use axum::extract::Path;
use axum::response::IntoResponse;
use axum::routing::get;

#[owned_by(user_id)]
#[secure_response]
#[derive(Debug, Clone)]
pub struct Order {
    pub id: u64,
    pub user_id: u64,
    pub total_cents: i64,
}

/// Owner ids of other types.
#[secure_response]
#[owned_by(owner)]
pub struct Document {
    pub id: u64,
    pub owner: String,
}

#[owned_by(tenant)]
#[secure_response]
pub struct Invoice {
    pub id: u64,
    pub tenant: Option<uuid::Uuid>,
}

fn load(user_id: u64) -> Vec<Order> {
    vec![Order { id: 1, user_id, total_cents: 1250 }, Order { id: 2, user_id: user_id + 1, total_cents: 99 }]
}

/// `Result` with an error that converts from `Forbidden`.
#[owned_by(user_id)]
async fn list_orders(principal: Principal, Path(user_id): Path<u64>) -> Result<SecureJson<Vec<Authorized<Order>>>, ApiError> {
    Ok(SecureJson(principal.authorize_all(load(user_id))))
}

/// A tuple path, and `impl IntoResponse`.
#[owned_by(user_id)]
async fn get_order(principal: Principal, Path((user_id, order_id)): Path<(u64, u64)>) -> impl IntoResponse {
    let order = load(user_id).into_iter().find(|o| o.id == order_id);
    match order.map(|o| principal.authorize(o)) {
        Some(Ok(authorized)) => authorized.into_response(),
        Some(Err(forbidden)) => forbidden.into_response(),
        None => ApiError::not_found().into_response(),
    }
}

/// A plain `fn`, the principal taken by reference, a string id.
#[owned_by(owner)]
fn documents_of(principal: &Principal, owner: String) -> Result<usize, Forbidden> {
    let _ = principal;
    Ok(owner.len())
}

fn main() {
    let _router: axum::Router = axum::Router::new()
        .route("/users/{user_id}/orders", get(list_orders))
        .route("/users/{user_id}/orders/{order_id}", get(get_order));
    let alice = Principal::new("7");
    assert_eq!(documents_of(&Principal::new("bob"), "bob".into()), Ok(3));
    assert_eq!(documents_of(&alice, "bob".into()), Err(Forbidden));
    assert_eq!(documents_of(&Principal::new("x").with_roles(["admin"]), "bob".into()), Ok(3));
    let mine = alice.authorize_all(load(7));
    assert_eq!(mine.len(), 1);
    assert!(alice.authorize(Document { id: 1, owner: "7".into() }).is_ok());
    assert!(alice.authorize(Invoice { id: 1, tenant: None }).is_err());
}
