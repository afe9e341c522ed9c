//! Rate limiting: token bucket and sliding windows, in memory and on Redis.
//!
//! A [`RateLimitPolicy`] is one or more named [`Window`]s ("60 per minute"
//! *and* "1000 per hour") and an [`Algorithm`]; a request passes only if
//! every window has room for its cost, and a refused request is counted in
//! no window. A [`RateLimiter`] applies one policy per [`RateLimitKey`] (a
//! principal, an API key, or a client address) and answers with a
//! [`RateLimitDecision`] that renders the response headers: the de-facto
//! `X-RateLimit-*` trio and `Retry-After`, and the IETF `RateLimit-Policy`
//! and `RateLimit` fields (draft-ietf-httpapi-ratelimit-headers-10).
//!
//! Two backends implement [`RateLimiter`]:
//!
//! * [`MemoryRateLimiter`]: one process; sharded, exact under concurrency,
//!   idle keys evicted and the number of keys capped;
//! * `RedisRateLimiter` (feature `redis`): several server processes share
//!   one budget per key; one atomic Lua script per decision, on the Redis
//!   server's clock, every key with a TTL. When Redis cannot be reached it
//!   fails closed (503) by default, or open if so configured.
//!
//! ```
//! use apishield::rate_limit::{MemoryRateLimiter, Outcome, RateLimitKey, RateLimitPolicy};
//!
//! let limiter = MemoryRateLimiter::new(RateLimitPolicy::free()); // 60/min, 1000/h
//! let user = RateLimitKey::principal("user-42");
//!
//! let decision = limiter.check_now(&user, 1)?;
//! assert_eq!(decision.outcome(), Outcome::Allowed);
//! assert_eq!(decision.remaining(), Some(59));
//!
//! // An export costs 10 units.
//! let decision = limiter.check_now(&user, 10)?;
//! assert_eq!(decision.remaining(), Some(49));
//! for (name, value) in decision.headers() {
//!     println!("{name}: {value}"); // X-RateLimit-Limit: 60, X-RateLimit-Remaining: 49, ...
//! }
//! # Ok::<(), apishield::rate_limit::RateLimitError>(())
//! ```

mod algorithm;
mod decision;
mod key;
mod memory;
mod policy;
#[cfg(feature = "redis")]
mod redis;

use std::fmt;
use std::sync::Arc;

use crate::store::BoxFuture;

pub use decision::{
    Outcome, RATELIMIT, RATELIMIT_POLICY, RETRY_AFTER, RateLimitDecision, WindowStatus, X_RATELIMIT_LIMIT,
    X_RATELIMIT_REMAINING, X_RATELIMIT_RESET,
};
pub use key::RateLimitKey;
pub use memory::{MemoryOptions, MemoryRateLimiter};
pub use policy::{
    Algorithm, MAX_NAME_LEN, MAX_PERIOD, MAX_QUOTA, MAX_WINDOWS, PolicyError, RateLimitPolicy, RateLimitPolicySpec,
    Tier, Window, WindowName, WindowSpec,
};
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use redis::{ConnectError, FailMode, RedisOptions, RedisRateLimiter};

/// A rate limiter: decides, for a key and a cost, whether a request passes,
/// and counts it if it does. Implemented by [`MemoryRateLimiter`] and
/// `RedisRateLimiter`, and by an `Arc` of either; object safe, so a layer
/// holds any limiter as an `Arc<dyn RateLimiter>` (see [`crate::store`]).
pub trait RateLimiter: Send + Sync {
    /// Decides a request of `cost` units for `key`: counted in every window
    /// of the policy if every window has room, in none otherwise.
    ///
    /// Backend trouble is not an error: it becomes a decision according to
    /// the limiter's fail mode ([`Outcome::Unavailable`] or
    /// [`Outcome::Unchecked`]). The error is for a cost above the policy's
    /// [`max_cost`](RateLimitPolicy::max_cost), which no amount of waiting
    /// would let through.
    fn check<'a>(
        &'a self,
        key: &'a RateLimitKey,
        cost: u32,
    ) -> BoxFuture<'a, Result<RateLimitDecision, RateLimitError>>;

    /// The policy this limiter enforces.
    fn policy(&self) -> &RateLimitPolicy;

    /// The same decision as [`check`](Self::check), made in place by a
    /// limiter that never waits (the memory limiter); `None` (the default)
    /// from one that asks a server, such as Redis. The layers try this
    /// first: a decision made in place needs no boxed future.
    fn check_in_place(&self, key: &RateLimitKey, cost: u32) -> Option<Result<RateLimitDecision, RateLimitError>> {
        let _ = (key, cost);
        None
    }

    /// True when this limiter knows that no key has spent any of its budget
    /// recently enough to still count: every key would be allowed with its
    /// whole budget, so a read (a check of cost 0) can be skipped. Only a
    /// process-local limiter can know this (the memory limiter); one whose
    /// budgets other processes share (Redis) says `false`, the default.
    /// The failed-authentication throttle asks this before it reads its
    /// budgets on every request.
    fn untouched(&self) -> bool {
        false
    }
}

/// `limiter`'s decision: in place when it can, else awaited (for the
/// layers).
#[cfg(feature = "axum")]
pub(crate) async fn decide(
    limiter: &dyn RateLimiter,
    key: &RateLimitKey,
    cost: u32,
) -> Result<RateLimitDecision, RateLimitError> {
    match limiter.check_in_place(key, cost) {
        Some(decision) => decision,
        None => limiter.check(key, cost).await,
    }
}

impl<L: RateLimiter + ?Sized> RateLimiter for Arc<L> {
    fn check<'a>(
        &'a self,
        key: &'a RateLimitKey,
        cost: u32,
    ) -> BoxFuture<'a, Result<RateLimitDecision, RateLimitError>> {
        (**self).check(key, cost)
    }

    fn check_in_place(&self, key: &RateLimitKey, cost: u32) -> Option<Result<RateLimitDecision, RateLimitError>> {
        (**self).check_in_place(key, cost)
    }

    fn untouched(&self) -> bool {
        (**self).untouched()
    }

    fn policy(&self) -> &RateLimitPolicy {
        (**self).policy()
    }
}

/// Why a limiter could not decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateLimitError {
    /// The request costs more than the smallest window's capacity, so it
    /// could never pass. A configuration error of the endpoint's weight.
    CostExceedsCapacity {
        /// The request's cost.
        cost: u32,
        /// The policy's largest possible cost.
        capacity: u32,
    },
}

impl fmt::Display for RateLimitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RateLimitError::CostExceedsCapacity { cost, capacity } => write!(
                f,
                "a request costing {cost} units can never pass a rate-limit policy whose smallest window holds {capacity}"
            ),
        }
    }
}

impl std::error::Error for RateLimitError {}
