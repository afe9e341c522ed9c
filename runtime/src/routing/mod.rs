//! Routes as the unit of policy (feature `axum`).
//!
//! A route is authenticated (its handler takes a [`Principal`](crate::Principal),
//! a role or scope guard, or a verified webhook payload) or declared public
//! (`#[public]`). [`get`], [`post`] and their siblings check that at compile
//! time, from the handler's argument types: a route that is neither does
//! not compile, with the error on the `get(..)` call.
//!
//! ```compile_fail
//! use apishield::routing::{Routes, get};
//!
//! async fn export(axum::extract::Path(id): axum::extract::Path<u64>) -> String {
//!     format!("everything about {id}")   // no Principal, not #[public]
//! }
//!
//! let routes: Routes = Routes::new().route("/exports/{id}", get(export));
//! // error[E0277]: this route is neither authenticated nor declared public
//! ```
//!
//! [`Routes`] is axum's `Router` with every route's facts recorded: who may
//! call it, roles and scopes, owner check, idempotency, what it reads and
//! answers, the layers around it. The audit (`apishield::audit`) turns them into
//! the security checklist of the whole API.
//!
//! Each argument type says what it enforces through [`Extractor`]:
//! apishield implements it for its own extractors and for axum's; an
//! extractor of your own implements it in two lines.

pub mod access;
mod deferred;
mod extractor;
mod facts;
mod guard;
mod layers;
mod method;
mod routes;

pub use deferred::{Deferred, NoBody};
pub use extractor::{Extractor, RouteHandler};
pub use facts::{
    CorsFacts, Enforcement, Input, InputSource, JwtFacts, LayerFact, Response, ResponseKind, RouteAccess, RouteFacts,
};
pub use guard::{OwnerChecked, PublicRoute, RoleGuard, Roles, ScopeGuard, Scopes};
pub use method::{MethodRouter, delete, get, head, options, patch, post, put, trace};
pub use routes::{RouteEntry, Routes};
