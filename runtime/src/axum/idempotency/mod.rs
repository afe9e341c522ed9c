//! `#[idempotent]` handlers in axum: the store configuration
//! ([`Idempotency`]), the [`IdempotencyKey`] extractor, and the flow the
//! macro wraps a handler in (claim, run once, keep or replay). The stores
//! are in [`crate::idempotency`].

pub(crate) mod flow;
mod key;
mod replay;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::http::HeaderName;

use crate::idempotency::{IdempotencyStore, MemoryIdempotencyStore};

pub use key::IdempotencyKey;
pub use replay::{REPLAYED_HEADER, REPLAYED_HEADERS};

/// The largest request body an idempotent handler reads: 1 MiB.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 1024 * 1024;
/// The largest response kept for replay: 1 MiB. A larger one is sent, and
/// its request still counts as done: a retry gets the status and headers
/// with a problem body `idempotency_response_not_kept`, never a second run.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// How long a running request holds its key without renewal, by default:
/// 30 s. The lock is renewed every third of it while the handler runs, so
/// it expires only when the process running the handler stopped.
pub const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(30);
/// How long a finished request's response is kept, by default: 24 h.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// How long a 4xx answer is kept, by default: 1 min. A refused request
/// changed nothing, so a retry after that may simply run again; keeping it
/// 24 h would let cheap refused requests fill the store.
pub const DEFAULT_CLIENT_ERROR_TTL: Duration = Duration::from_secs(60);

/// Where idempotent handlers keep their records, and the limits. Put it on
/// the router as an extension:
/// `router.layer(Idempotency::new(RedisIdempotencyStore::new(conn)).extension())`.
/// Without one, handlers use one in-memory store for the whole process.
#[derive(Clone)]
pub struct Idempotency {
    store: Arc<dyn IdempotencyStore>,
    max_request_bytes: usize,
    max_response_bytes: usize,
    client_error_ttl: Duration,
    extra_replay_headers: Arc<[HeaderName]>,
}

impl std::fmt::Debug for Idempotency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Idempotency")
            .field("max_request_bytes", &self.max_request_bytes)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("client_error_ttl", &self.client_error_ttl)
            .field("extra_replay_headers", &self.extra_replay_headers)
            .finish_non_exhaustive()
    }
}

impl Idempotency {
    /// Records in `store`, with the default limits.
    pub fn new(store: impl IdempotencyStore) -> Self {
        Idempotency {
            store: Arc::new(store),
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            client_error_ttl: DEFAULT_CLIENT_ERROR_TTL,
            extra_replay_headers: Arc::from([]),
        }
    }

    /// Records in this process's memory (`MemoryIdempotencyStore::default()`).
    pub fn memory() -> Self {
        Idempotency::new(MemoryIdempotencyStore::default())
    }

    /// The largest request body read (default 1 MiB).
    #[must_use]
    pub fn max_request_bytes(mut self, bytes: usize) -> Self {
        self.max_request_bytes = bytes;
        self
    }

    /// The largest response body kept for replay (default 1 MiB). A larger
    /// one is sent as it is, and its key stays done: see
    /// [`DEFAULT_MAX_RESPONSE_BYTES`].
    #[must_use]
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// How long 4xx answers are kept (default 1 min, at most the route's `ttl`).
    #[must_use]
    pub fn client_error_ttl(mut self, ttl: Duration) -> Self {
        self.client_error_ttl = ttl;
        self
    }

    /// Also repeats response header `name` on replays, beside
    /// [`REPLAYED_HEADERS`].
    ///
    /// # Panics
    ///
    /// If `name` is credential-like (`set-cookie`, `authorization`, a name
    /// with `token`, `secret`, `session`, `cookie`, `auth` or `key` in it):
    /// a replay goes to whoever holds the idempotency key, and must never
    /// hand out a credential. This is configuration, checked at start-up.
    #[must_use]
    pub fn replay_header(mut self, name: HeaderName) -> Self {
        assert!(
            !replay::credential_like(name.as_str()),
            "idempotency: header `{name}` looks like a credential and is never replayed"
        );
        let mut names = self.extra_replay_headers.to_vec();
        names.push(name);
        self.extra_replay_headers = names.into();
        self
    }

    /// This configuration as a router extension.
    pub fn extension(self) -> axum::Extension<Self> {
        axum::Extension(self)
    }

    fn process_default() -> &'static Idempotency {
        static DEFAULT: OnceLock<Idempotency> = OnceLock::new();
        DEFAULT.get_or_init(Idempotency::memory)
    }
}
