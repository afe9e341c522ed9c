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

/// A `BuildHasher` for maps keyed by bits that are already a keyed hash
/// (a rate-limit key's fingerprint, an idempotency record's name): it
/// passes them through, so a lookup hashes nothing again and a growing map
/// moves its entries without rehashing a key. The memory stores use it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PassThrough;

#[derive(Debug, Default)]
pub(crate) struct PassThroughHasher(u64);

impl std::hash::BuildHasher for PassThrough {
    type Hasher = PassThroughHasher;
    #[inline]
    fn build_hasher(&self) -> PassThroughHasher {
        PassThroughHasher(0)
    }
}

impl std::hash::Hasher for PassThroughHasher {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is ever called; fold anything else rather than
        // drop it.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
}
