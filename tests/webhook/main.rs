//! Webhooks: signing, verification (Standard Webhooks vectors), replay stores
//! (memory and Redis), the Verified extractor over HTTP.
//!
//! One test binary per area: each links axum, tokio, redis and jsonwebtoken,
//! so fewer binaries is less time spent linking.

mod http;
mod replay;
mod sign;
mod standard;
mod verify;
