//! What the pluggable stores share: one shape for every async extension
//! point, one way to name a Redis store's keys.
//!
//! | Trait | In memory | In Redis (feature `redis`) |
//! | --- | --- | --- |
//! | [`RateLimiter`](crate::rate_limit::RateLimiter) | `MemoryRateLimiter` | `RedisRateLimiter` |
//! | [`IdempotencyStore`](crate::idempotency::IdempotencyStore) | `MemoryIdempotencyStore` | `RedisIdempotencyStore` |
//! | [`ApiKeyStore`](crate::auth::api_key::ApiKeyStore) | `MemoryApiKeyStore` | `RedisApiKeyStore` |
//! | [`ReplayStore`](crate::webhook::ReplayStore) | `MemoryReplayStore` | `RedisReplayStore` |
//! | [`RefreshTokenStore`](crate::auth::token::RefreshTokenStore) | `MemoryRefreshTokenStore` | `RedisRefreshTokenStore` |
//! | [`AccessTokenDenylist`](crate::auth::token::AccessTokenDenylist) | `MemoryDenylist` | `RedisDenylist` |
//!
//! Each trait's async methods return a [`BoxFuture`], so each trait is
//! object safe: a layer or an endpoint holds any implementation as an
//! `Arc<dyn Trait>`, and an `Arc` of an implementation is one too (a
//! limiter shared by two layers is `Arc::clone(&limiter)`). A store of your
//! own (a database table) implements the trait with
//! `Box::pin(async move { .. })` bodies.
//!
//! Every Redis store starts from a connection and names its keys
//! `<prefix>...`, with a default prefix of its own (`apishield:rl:`,
//! `apishield:idem:v2:`, `apishield:apikey:`, `apishield:webhook:`,
//! `apishield:rt:`, `apishield:jti:`) and
//! `.prefix(..)` to change it: one prefix per application (or per tenant)
//! that shares a Redis.

use std::future::Future;
use std::pin::Pin;

/// The future of a store's async method: boxed, `Send`, borrowing the store
/// and the method's arguments for `'a`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
