//! Headers every answer should carry (feature `axum`): the security
//! reference's response headers, and a request id that ties an answer to
//! its log lines.
//!
//! * [`SecurityHeaders`]: `X-Content-Type-Options`, `X-Frame-Options`,
//!   HSTS, CSP, `Referrer-Policy`, `Permissions-Policy`, no caching; removes
//!   `Server` and `X-Powered-By`;
//! * [`RequestIdLayer`]: a [`RequestId`] per request (the client's if it is
//!   a short visible-ASCII string, else a random one) in the request, on the
//!   answer, in the `tracing` span and in `ApiError` bodies.
//!
//! With [`CorsLayer`](crate::cors::CorsLayer), outermost last:
//!
//! ```
//! use apishield::headers::{RequestIdLayer, SecurityHeaders};
//! use apishield::prelude::*;
//! use axum::{Router, routing::get};
//!
//! let app: Router = Router::new()
//!     .route("/orders", get(|| async { "[]" }))
//!     .layer(cors! { origins: ["https://app.example.com"], methods: [GET] }.layer())
//!     .layer(SecurityHeaders::api())
//!     .layer(RequestIdLayer::new());
//! # let _ = app;
//! ```

#![warn(missing_docs)]

mod request_id;
mod security;

pub use request_id::{
    MAX_REQUEST_ID_LEN, REQUEST_ID_HEADER, RequestId, RequestIdFuture, RequestIdLayer, RequestIdService,
};
pub use security::{SecurityHeaders, SecurityHeadersFuture, SecurityHeadersService};
