//! The OpenAPI 3.1 document of a service, from its routes (feature
//! `openapi`: `axum` and `schemars`).
//!
//! [`Routes`](crate::routing::Routes) already knows, for every route, what
//! the audit reports: who may call it, its roles and scopes, whether it is
//! idempotent or owner-checked, what it reads and answers, and the layers
//! around it. [`OpenApi::document`] turns that into the document clients
//! and tools read, so the two cannot disagree:
//!
//! - **security**: a route behind an [`AuthenticationLayer`](crate::axum::AuthenticationLayer)
//!   requires the schemes that layer accepts (`bearerAuth` for JWTs,
//!   `apiKeyAuth`, `Authorization: ApiKey <key>`, for API keys; either one), with the route's scopes; a
//!   public route requires none (`security: []`);
//! - **parameters**: path parameters from the path template, query
//!   parameters from a `SecureQuery<T>`'s schema, a required
//!   `Idempotency-Key` header on `#[idempotent]` routes;
//! - **bodies**: a `SecureJson<T>` request body and a `SecureJson<T>` /
//!   `Authorized<T>` response, as `$ref`s to the schemas generated from the
//!   annotations (`components/schemas`);
//! - **errors**: the `application/problem+json` answers the route can give
//!   (400, 401, 403, 404, 409, 413, 422, 429, 500), each only where a part
//!   of the route can cause it.
//!
//! ```
//! use apishield::openapi::OpenApi;
//! use apishield::prelude::*;
//! use apishield::routing::{Routes, get};
//!
//! #[secure_response]
//! pub struct Health {
//!     pub status: String,
//! }
//!
//! #[public]
//! async fn health() -> SecureJson<Health> {
//!     SecureJson(Health { status: "ok".into() })
//! }
//!
//! let routes: Routes = Routes::new().route("/health", get(health));
//! let document = OpenApi::new("Example", "1.0.0").document(routes.entries());
//! assert_eq!(document["paths"]["/health"]["get"]["security"], serde_json::json!([]));
//! let ok = &document["paths"]["/health"]["get"]["responses"]["200"];
//! assert_eq!(ok["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Health");
//! ```
//!
//! A response type is found from the handler's return type (as the audit
//! finds it): `SecureJson<T>`, `SecureJson<Vec<T>>` or `Authorized<T>` of a
//! `#[secure_response]` type without type parameters, in a `Result` or
//! beside a status. Anything else is documented without a body schema.

mod document;
mod response_type;

pub use document::OpenApi;
