//! `#[idempotent]` over real HTTP: the draft's answers, scoping, concurrency,
//! outages, disconnects, crashes, large responses, floods.
//!
//! One test binary per area: each links axum, tokio, redis and jsonwebtoken,
//! so fewer binaries is less time spent linking.

mod exactly_once;
mod http;
