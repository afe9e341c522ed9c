//! What an idempotency store does, whatever it stores in.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::store::BoxFuture;

/// A request's fingerprint: SHA-256 of its method, concrete path, query
/// string and body.
pub type Fingerprint = [u8; 32];

/// A response kept for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The headers a replay repeats (`Content-Type`, `Location`, `ETag`,
    /// ...: see `apishield::axum::Idempotency`), names in lowercase.
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body, byte for byte; `None` when the response was too large to
    /// keep (or streamed past the limit): the request ran, a replay says so.
    pub body: Option<Vec<u8>>,
}

impl StoredResponse {
    /// Bytes this response takes in a store, roughly: what store budgets count.
    pub fn size(&self) -> usize {
        self.headers.iter().map(|(n, v)| n.len() + v.len() + 8).sum::<usize>() + self.body.as_ref().map_or(0, Vec::len)
    }

    /// The headers as one blob: for each, a 2-byte name length, the name, a
    /// 4-byte value length, the value (big-endian lengths). How the Redis
    /// store keeps them in one hash field.
    pub fn encode_headers(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.headers.iter().map(|(n, v)| 6 + n.len() + v.len()).sum());
        for (name, value) in &self.headers {
            // Header names and values that do not fit the prefixes are not
            // HTTP headers hyper would send; skip them rather than truncate.
            let (Ok(name_len), Ok(value_len)) = (u16::try_from(name.len()), u32::try_from(value.len())) else {
                continue;
            };
            out.extend_from_slice(&name_len.to_be_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&value_len.to_be_bytes());
            out.extend_from_slice(value);
        }
        out
    }

    /// Reads [`encode_headers`](Self::encode_headers)' blob back; `None` if
    /// it is not one (a corrupt record).
    pub fn decode_headers(mut blob: &[u8]) -> Option<Vec<(String, Vec<u8>)>> {
        let mut headers = Vec::new();
        while !blob.is_empty() {
            let (len, rest) = blob.split_first_chunk::<2>()?;
            let (name, rest) = rest.split_at_checked(usize::from(u16::from_be_bytes(*len)))?;
            let (len, rest) = rest.split_first_chunk::<4>()?;
            let (value, rest) = rest.split_at_checked(usize::try_from(u32::from_be_bytes(*len)).ok()?)?;
            headers.push((String::from_utf8(name.to_vec()).ok()?, value.to_vec()));
            blob = rest;
        }
        Some(headers)
    }
}

/// Proof of holding a key's lock: only the holder may renew, finish or
/// release it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockToken(pub(crate) u128);

impl LockToken {
    /// A fresh token: a per-process random seed from the OS generator, plus
    /// a counter. Tokens only need to be unique (they tell a lock's holder
    /// from a later one), so one syscall per process instead of one per
    /// request.
    pub fn random() -> Result<Self, IdempotencyStoreError> {
        use std::sync::OnceLock;
        use std::sync::atomic::{AtomicU64, Ordering};
        static SEED: OnceLock<Option<u128>> = OnceLock::new();
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let seed = SEED.get_or_init(|| {
            let mut bytes = [0u8; 16];
            getrandom::fill(&mut bytes).ok().map(|()| u128::from_le_bytes(bytes))
        });
        let seed = seed.ok_or_else(|| IdempotencyStoreError::new("the OS random generator failed"))?;
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        Ok(LockToken(seed ^ u128::from(n)))
    }

    #[cfg(feature = "redis")]
    pub(crate) fn hex(self) -> String {
        format!("{:032x}", self.0)
    }
}

/// One request's claim on a key.
#[derive(Debug, Clone, Copy)]
pub struct ClaimRequest<'a> {
    /// The record's name: unique per (caller, method, route, key).
    pub key: &'a str,
    /// Whose record it is ([`Caller::key`](crate::auth::Caller::key)): what
    /// a store's per-caller quota counts.
    pub owner: &'a str,
    /// The request's fingerprint.
    pub fingerprint: Fingerprint,
    /// How long the lock holds without renewal: after it, a request that did
    /// not finish counts as abandoned (its process crashed).
    pub lock_ttl: Duration,
    /// How long the record lives, running or abandoned: an abandoned
    /// request's key answers [`Claim::Abandoned`] that long.
    pub ttl: Duration,
    /// Whether an abandoned request may run again under this claim (the
    /// route is safe to repeat).
    pub rerun_abandoned: bool,
    /// The token the lock is held with if this claim starts the request
    /// (what [`Claim::Started`] gives back). The claimant makes it
    /// beforehand, so that a claim whose answer was lost (a reply timed out
    /// after the store took it) can still be released: otherwise its key
    /// would answer "in progress", then "outcome unknown", for a request
    /// that never ran.
    pub token: LockToken,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key was free (or abandoned, and the route re-runs abandoned
    /// requests): this request runs, holding the lock.
    Started(LockToken),
    /// A request with this key and fingerprint finished: replay its response.
    Replay(StoredResponse),
    /// A request with this key is running (its lock is held).
    InProgress,
    /// A request with this key started, and its lock expired without a
    /// result: its process stopped mid-request. Whether its effects happened
    /// is unknown, so it is not run again.
    Abandoned,
    /// This key was used for a different request.
    Mismatch,
    /// The caller holds as many records as the store allows one caller.
    OverQuota,
}

/// The store could not be reached or refused to work. The request is answered
/// 503 before its handler runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyStoreError(String);

impl IdempotencyStoreError {
    /// An error with a reason for the logs.
    pub fn new(reason: impl Into<String>) -> Self {
        IdempotencyStoreError(reason.into())
    }
}

impl fmt::Display for IdempotencyStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "idempotency store: {}", self.0)
    }
}

impl std::error::Error for IdempotencyStoreError {}

/// An idempotency store. Each method is one atomic operation on the key, so
/// that many requests (and many server processes sharing one store) agree on
/// who runs.
///
/// Object safe (see [`crate::store`]): the configuration holds it as an
/// `Arc<dyn IdempotencyStore>`, and an `Arc` of a store is a store.
pub trait IdempotencyStore: Send + Sync + 'static {
    /// Claims a key: starts the request (locked for `lock_ttl` with the
    /// request's [`token`](ClaimRequest::token), which `Claim::Started`
    /// gives back), or reports a replay, a request in progress, an abandoned
    /// one, a mismatch or an exhausted quota.
    fn claim<'a>(&'a self, request: &'a ClaimRequest<'a>) -> BoxFuture<'a, Result<Claim, IdempotencyStoreError>>;

    /// Extends the lock of the request holding `token` by `lock_ttl` from
    /// now, while its handler runs. `Ok(false)`: the lock is not held.
    fn renew<'a>(
        &'a self,
        key: &'a str,
        token: LockToken,
        lock_ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, IdempotencyStoreError>>;

    /// Stores the response of the request holding `token`, kept for `ttl`.
    /// `Ok(false)`: the lock is not held (another request took it over),
    /// nothing stored.
    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: LockToken,
        response: &'a StoredResponse,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, IdempotencyStoreError>>;

    /// Frees `key` after a request whose response must not be replayed (a
    /// 5xx), so the client may retry. `Ok(false)`: the lock was not held.
    fn release<'a>(&'a self, key: &'a str, token: LockToken) -> BoxFuture<'a, Result<bool, IdempotencyStoreError>>;
}

impl<S: IdempotencyStore + ?Sized> IdempotencyStore for Arc<S> {
    fn claim<'a>(&'a self, request: &'a ClaimRequest<'a>) -> BoxFuture<'a, Result<Claim, IdempotencyStoreError>> {
        (**self).claim(request)
    }

    fn renew<'a>(
        &'a self,
        key: &'a str,
        token: LockToken,
        lock_ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, IdempotencyStoreError>> {
        (**self).renew(key, token, lock_ttl)
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: LockToken,
        response: &'a StoredResponse,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, IdempotencyStoreError>> {
        (**self).complete(key, token, response, ttl)
    }

    fn release<'a>(&'a self, key: &'a str, token: LockToken) -> BoxFuture<'a, Result<bool, IdempotencyStoreError>> {
        (**self).release(key, token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn headers_round_trip() {
        let response = StoredResponse {
            status: 201,
            headers: vec![("location".into(), b"/payments/7".to_vec()), ("etag".into(), b"\"a\"".to_vec())],
            body: None,
        };
        assert_eq!(StoredResponse::decode_headers(&response.encode_headers()), Some(response.headers));
        assert_eq!(StoredResponse::decode_headers(&[]), Some(vec![]));
        assert_eq!(StoredResponse::decode_headers(&[0, 5, b'a']), None);
    }

    proptest! {
        #[test]
        fn decoding_never_panics(blob in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = StoredResponse::decode_headers(&blob);
        }
    }
}
