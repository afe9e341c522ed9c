//! The HTTP layers: CORS, security headers, request ids in logs and errors, the
//! safe defaults together.
//!
//! One test binary per area: each links axum, tokio, redis and jsonwebtoken,
//! so fewer binaries is less time spent linking.

mod cors_browser;
mod cors_http;
mod cors_properties;
mod https;
mod request_id;
mod safe_defaults;
mod safe_defaults_one_service;
mod security_headers;
