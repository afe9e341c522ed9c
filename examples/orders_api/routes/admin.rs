//! `GET /admin/orders`: every order, for the `admin` role only (403 before
//! the handler runs for anyone else, API keys included: a key has scopes,
//! never roles).

use apishield::prelude::*;
use axum::extract::State;

use super::orders::{self, Order};
use crate::orders_api::state::AppState;

/// `GET /admin/orders`: all orders.
#[requires_role("admin")]
pub async fn all_orders(
    principal: Principal,
    State(state): State<AppState>,
) -> Result<SecureJson<Vec<Authorized<Order>>>, ApiError> {
    let ids = state.data.members("orders").await?;
    // An admin is authorized for every order; the check still runs.
    Ok(SecureJson(principal.authorize_all(orders::find_all(&state, ids).await?)))
}
