//! CORS: which browser origins may call the API, checked before it runs.
//!
//! The security reference's advice is an explicit allowlist; its
//! anti-patterns (`*` with credentials, reflecting any `Origin`, the `null`
//! origin) are what [`cors!`](crate::cors!) refuses to compile:
//!
//! ```
//! use apishield::prelude::*;
//!
//! let policy: CorsPolicy = cors! {
//!     origins: ["https://app.example.com", "https://admin.example.com"],
//!     methods: [GET, POST, PUT, DELETE],
//!     headers: ["Authorization", "Content-Type"],
//!     credentials: true,
//!     max_age: 3600,
//!     expose: ["X-RateLimit-Remaining"],
//! };
//! assert!(policy.allows_origin("https://app.example.com"));
//! assert!(!policy.allows_origin("https://evil.example"));
//! ```
//!
//! * [`rules`]: what an origin, a header name, a method and a policy must be
//!   (shared by the macro and the builder, so both say the same thing);
//! * [`CorsPolicy`]: a checked policy; [`CorsPolicy::builder`] for origins
//!   known only at run time;
//! * [`CorsLayer`](crate::axum::CorsLayer) (feature `axum`): answers
//!   preflights and puts the CORS headers on answers, never for an unlisted
//!   origin;
//! * [`CorsHeaders`] (feature `http`): the same decisions on `http` header
//!   maps, for servers that are not axum.

#![warn(missing_docs)]

#[cfg(feature = "http")]
mod headers;
pub(crate) mod policy;
#[doc(inline)]
pub use apishield_internals::cors as rules;

#[cfg(feature = "http")]
pub use headers::{CorsHeaders, PREFLIGHT_VARY, PreflightRefusal};
pub use policy::{CorsError, CorsPolicy, CorsPolicyBuilder, CorsPolicySpec, CorsProblem, CorsProblemKind};
