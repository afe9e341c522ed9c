//! `#[owned_by]` and `Authorized`: the model, and over real HTTP.
//!
//! One test binary per area: each links axum, tokio, redis and jsonwebtoken,
//! so fewer binaries is less time spent linking.

mod http;
mod model;
