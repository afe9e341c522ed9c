//! Idempotency: a request retried with the same `Idempotency-Key` runs once.
//!
//! The IETF httpapi Idempotency-Key draft plus Stripe's practice: the first
//! request with a key runs and its response is kept; a retry with the same
//! key and the same request gets that response again (with
//! `Idempotent-Replayed: true`) without running the handler; a retry while
//! the first is running gets 409; the same key for a different request gets
//! 422; a missing or malformed key gets 400. Keys are scoped to the
//! principal, the method and the route. A 5xx (or 408, 429) frees the key so
//! the client can retry; a running request's lock expires (30 s by default)
//! so a crash does not wedge its key; records live `ttl` (24 h by default).
//! When the store cannot be reached, the request is answered 503 before its
//! handler runs.
//!
//! This module holds the stores: [`MemoryIdempotencyStore`] (the default,
//! one process) and `RedisIdempotencyStore` (feature `redis`, many
//! processes), and the key's rules. `#[idempotent]` wraps an axum handler
//! in the flow, configured by `apishield::axum::Idempotency` (feature
//! `axum`, see `apishield::axum::idempotency`).

mod key;
mod memory;
#[cfg(feature = "redis")]
mod redis;
mod store;

#[cfg(feature = "redis")]
pub use self::redis::RedisIdempotencyStore;
pub use key::{KeyError, MAX_KEY_LEN, parse_key};
pub use memory::{DEFAULT_MAX_BYTES, DEFAULT_MAX_RECORDS, MemoryIdempotencyStore};
pub use store::{Claim, ClaimRequest, Fingerprint, IdempotencyStore, IdempotencyStoreError, LockToken, StoredResponse};
