//! What an idempotency store does, whatever it stores in.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A boxed future, so that stores can be shared as `Arc<dyn IdempotencyStore>`.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// A request's fingerprint: SHA-256 of its method, route and body.
pub type Fingerprint = [u8; 32];

/// A response kept for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The `Content-Type`, if the response had one.
    pub content_type: Option<String>,
    /// The body, byte for byte.
    pub body: Vec<u8>,
}

/// Proof of holding a key's lock: only the holder may finish or release it
/// (after the lock expired, another request may hold it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockToken(pub(crate) u128);

impl LockToken {
    /// A fresh token: a per-process random seed from the OS generator, plus
    /// a counter. Tokens only need to be unique (they tell a lock's holder
    /// from a later one), so one syscall per process instead of one per
    /// request.
    pub(crate) fn random() -> Result<Self, StoreError> {
        use std::sync::OnceLock;
        use std::sync::atomic::{AtomicU64, Ordering};
        static SEED: OnceLock<Option<u128>> = OnceLock::new();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let seed = SEED.get_or_init(|| {
            let mut bytes = [0u8; 16];
            getrandom::fill(&mut bytes).ok().map(|()| u128::from_le_bytes(bytes))
        });
        let seed = seed.ok_or_else(|| StoreError::new("the OS random generator failed"))?;
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        Ok(LockToken(seed ^ u128::from(n)))
    }

    #[cfg(feature = "redis")]
    pub(crate) fn hex(self) -> String {
        format!("{:032x}", self.0)
    }
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key was free: this request runs, holding the lock.
    Started(LockToken),
    /// A request with this key and fingerprint finished: replay its response.
    Replay(StoredResponse),
    /// A request with this key is still running.
    InProgress,
    /// This key was used for a different request.
    Mismatch,
}

/// The store could not be reached or refused to work. The request is answered
/// 503 before its handler runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreError(String);

impl StoreError {
    /// An error with a reason for the logs.
    pub fn new(reason: impl Into<String>) -> Self {
        StoreError(reason.into())
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "idempotency store: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

/// An idempotency store. Each method is one atomic operation on the key, so
/// that many requests (and many server processes sharing one store) agree on
/// who runs.
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Claims `key` for a request with `fingerprint`: starts it (locked for
    /// `lock_ttl`), or reports a replay, a request in progress or a mismatch.
    fn claim<'a>(&'a self, key: &'a str, fingerprint: Fingerprint, lock_ttl: Duration) -> StoreFuture<'a, Claim>;

    /// Stores the response of the request holding `token`, kept for `ttl`.
    /// `Ok(false)`: the lock was no longer held (it expired), nothing stored.
    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: LockToken,
        response: &'a StoredResponse,
        ttl: Duration,
    ) -> StoreFuture<'a, bool>;

    /// Frees `key` after a request that must not be replayed (a 5xx), so the
    /// client may retry. `Ok(false)`: the lock was no longer held.
    fn release<'a>(&'a self, key: &'a str, token: LockToken) -> StoreFuture<'a, bool>;
}
