//! Authentication: JWT validation (attacks, the gaps of bare jsonwebtoken,
//! several issuers), API keys (memory and Redis stores), the Authentication
//! layer over HTTP.
//!
//! One test binary per area: each links axum, tokio, redis and jsonwebtoken,
//! so fewer binaries is less time spent linking.

mod support;

mod api_key;
mod api_key_properties;
mod api_key_redis;
mod issuers;
mod jwks;
mod jwt;
mod jwt_attacks;
mod jwt_gaps;
mod jwt_verified_cache;
mod layer_http;
mod login_attempts;
