//! `GET /openapi.json`: the service's OpenAPI 3.1 document, generated once
//! at start from the routes themselves (apishield's `openapi` feature):
//! which routes need a JWT or an API key, their scopes, the
//! `Idempotency-Key` header of idempotent routes, every body's schema from
//! its `#[secure_request]` / `#[secure_response]` annotations, and the
//! problem+json errors each route can answer. Nothing here is written by
//! hand, so the document cannot drift from what the service enforces.

use apishield::openapi::OpenApi;
use apishield::prelude::*;
use apishield::routing::{RouteEntry, Routes, get};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;

/// The rendered document.
#[derive(Debug, Clone)]
pub struct Document(Bytes);

/// The public route serving the document of `api` (the service's routes,
/// taken with their authentication and rate-limit layers, so that it knows
/// who may call each) and of itself.
pub fn routes(api: &[RouteEntry]) -> Routes {
    let route = || Routes::new().route("/openapi.json", get(openapi));
    let mut entries = api.to_vec();
    entries.extend_from_slice(route().entries());
    route().with_state(document(&entries))
}

fn document(routes: &[RouteEntry]) -> Document {
    let document = OpenApi::new("orders_api", env!("CARGO_PKG_VERSION"))
        .description(
            "Orders, payments and API keys. Every error is `application/problem+json` with a stable `code` \
             and the request id.",
        )
        .document(routes);
    Document(Bytes::from(document.to_string()))
}

/// `GET /openapi.json`: public, as API documentation is; it lists what
/// each route requires, never a secret.
#[public]
pub async fn openapi(
    State(Document(document)): State<Document>,
) -> ([(axum::http::HeaderName, &'static str); 1], Bytes) {
    ([(CONTENT_TYPE, "application/json")], document)
}
