// A router with a state of its own must say where idempotency records live
// (`impl FromRef<AppState> for Idempotency`): otherwise its #[idempotent]
// routes do not build, rather than falling back to a per-process memory store
// when the team meant Redis. Only a router without state has that default.
use apishield::prelude::*;
use axum::Router;
use axum::extract::State;
use axum::routing::post;

#[derive(Clone)]
struct AppState {
    database: &'static str,
}

#[idempotent(ttl = "24h")]
async fn refund(State(state): State<AppState>, key: IdempotencyKey) -> String {
    format!("{} {}", state.database, key.as_str())
}

fn main() {
    let _: Router = Router::new().route("/refunds", post(refund)).with_state(AppState { database: "orders" });
}
