//! Rate limiting: the limiters (memory and Redis), their headers and
//! properties, client addresses behind proxies, the RateLimit layer over HTTP.
//!
//! One test binary per area: each links axum, tokio, redis and jsonwebtoken,
//! so fewer binaries is less time spent linking.

mod client_addr;
mod headers;
mod http;
mod memory;
mod properties;
mod redis;
