//! Revoked access tokens, by `jti`, for as long as they could be accepted.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use super::error::TokenStoreError;
use crate::store::BoxFuture;
use crate::time::{Clock, SharedClock, secs};

/// How long past its `exp` a denied `jti` is kept: 5 minutes, the largest
/// leeway a [`JwtValidator`](crate::auth::jwt::JwtValidator) allows (a token
/// is accepted until `exp + leeway`).
pub const DENYLIST_GRACE: Duration = Duration::from_secs(300);

/// The longest `jti` a denylist takes: 256 bytes (apishield's are 22).
pub const MAX_JTI_LEN: usize = 256;

/// Revoked access tokens, by `jti`. An entry lives only as long as its
/// token could be accepted (until `exp` plus [`DENYLIST_GRACE`]), so the
/// list holds at most the tokens revoked within one access-token lifetime.
/// An external issuer's token is entered by its issuer and `jti` together
/// ([`ValidatedToken::revocation_id`](crate::auth::jwt::ValidatedToken::revocation_id)),
/// so that one issuer's revoked id never revokes another's.
///
/// A [`JwtValidator`](crate::auth::jwt::JwtValidator) built with
/// [`.denylist(..)`](crate::auth::jwt::JwtValidatorBuilder::denylist)
/// asks it after the signature and the claims are verified (so only tokens
/// this service's keys signed ever reach it).
///
/// * [`MemoryDenylist`]: one process;
/// * `RedisDenylist` (feature `redis`): `SET <prefix><jti> EXAT <exp + grace>`.
pub trait AccessTokenDenylist: Send + Sync {
    /// Denies `jti` until `expires_at` (the token's `exp`, Unix seconds)
    /// plus [`DENYLIST_GRACE`].
    fn deny<'a>(&'a self, jti: &'a str, expires_at: i64) -> BoxFuture<'a, Result<(), TokenStoreError>>;

    /// Whether `jti` is denied.
    fn is_denied<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, TokenStoreError>>;
}

impl<D: AccessTokenDenylist + ?Sized> AccessTokenDenylist for Arc<D> {
    fn deny<'a>(&'a self, jti: &'a str, expires_at: i64) -> BoxFuture<'a, Result<(), TokenStoreError>> {
        (**self).deny(jti, expires_at)
    }

    fn is_denied<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, TokenStoreError>> {
        (**self).is_denied(jti)
    }
}

/// Denied `jti`s in this process's memory, each until its token's `exp`
/// plus [`DENYLIST_GRACE`]; expired entries are swept as new ones arrive.
/// Cheap to clone (clones share the list).
#[derive(Debug, Clone)]
pub struct MemoryDenylist {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    entries: RwLock<HashMap<Box<str>, i64>>,
    /// Size after the last sweep: the next sweep is due at twice as many.
    swept_at: AtomicUsize,
    clock: SharedClock,
}

impl MemoryDenylist {
    /// An empty list on the [`SystemClock`](crate::time::SystemClock).
    pub fn new() -> Self {
        MemoryDenylist::with_clock(crate::time::SystemClock)
    }

    /// An empty list reading the time from `clock` (tests move a
    /// [`ManualClock`](crate::time::ManualClock) past `exp`).
    pub fn with_clock(clock: impl Clock) -> Self {
        MemoryDenylist {
            inner: Arc::new(Inner {
                entries: RwLock::new(HashMap::new()),
                swept_at: AtomicUsize::new(0),
                clock: SharedClock::new(clock),
            }),
        }
    }

    /// How many entries it holds (expired ones not yet swept included).
    pub fn len(&self) -> usize {
        self.inner.entries.read().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// Whether it holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Removes the entries whose tokens can no longer be accepted.
    pub fn purge_expired(&self) -> usize {
        let now = self.inner.clock.now_secs();
        let mut entries = self.inner.entries.write().unwrap_or_else(PoisonError::into_inner);
        let before = entries.len();
        entries.retain(|_, until| *until > now);
        self.inner.swept_at.store(entries.len(), Ordering::Relaxed);
        before - entries.len()
    }
}

impl Default for MemoryDenylist {
    fn default() -> Self {
        MemoryDenylist::new()
    }
}

impl AccessTokenDenylist for MemoryDenylist {
    fn deny<'a>(&'a self, jti: &'a str, expires_at: i64) -> BoxFuture<'a, Result<(), TokenStoreError>> {
        let until = expires_at.saturating_add(secs(DENYLIST_GRACE));
        let len = {
            let mut entries = self.inner.entries.write().unwrap_or_else(PoisonError::into_inner);
            let entry = entries.entry(Box::from(jti)).or_insert(until);
            *entry = (*entry).max(until);
            entries.len()
        };
        // Amortised: a sweep whenever the list doubled since the last one.
        if len >= 64 && len >= self.inner.swept_at.load(Ordering::Relaxed).saturating_mul(2) {
            self.purge_expired();
        }
        Box::pin(std::future::ready(Ok(())))
    }

    fn is_denied<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, TokenStoreError>> {
        let denied = match self.inner.entries.read().unwrap_or_else(PoisonError::into_inner).get(jti) {
            Some(until) => *until > self.inner.clock.now_secs(),
            None => false,
        };
        Box::pin(std::future::ready(Ok(denied)))
    }
}

/// A denylist behind one type, for the configuration types that hold one.
#[cfg(feature = "jwt")]
#[derive(Clone)]
pub(crate) struct SharedDenylist(pub(crate) Arc<dyn AccessTokenDenylist>);

#[cfg(feature = "jwt")]
impl std::fmt::Debug for SharedDenylist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessTokenDenylist")
    }
}

#[cfg(feature = "jwt")]
impl std::ops::Deref for SharedDenylist {
    type Target = dyn AccessTokenDenylist;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}
