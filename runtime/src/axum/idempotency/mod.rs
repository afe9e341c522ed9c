//! `#[idempotent]` handlers in axum: the store configuration
//! ([`Idempotency`]), the [`IdempotencyKey`] extractor, and the flow the
//! macro wraps a handler in (claim, run once, keep or replay). The stores
//! are in [`crate::idempotency`].

pub(crate) mod flow;
mod key;
mod replay;

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::extract::FromRef;
use axum::http::HeaderName;

use crate::idempotency::{IdempotencyStore, MemoryIdempotencyStore};

pub use key::IdempotencyKey;
pub use replay::{REPLAYED_HEADER, REPLAYED_HEADERS};

/// The largest response kept for replay: 1 MiB.
const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// Where idempotent handlers keep their records, and the limits: the state
/// the [`IdempotencyKey`] extractor takes it from.
///
/// [`IdempotencyKey`] extracts through `Idempotency: FromRef<S>` of the
/// router's state `S`, so where the store lives is decided where the router
/// is built, and a router whose state does not say does not compile:
///
/// * a router with a state of its own (`Router<AppState>`) provides it
///   through `FromRef` (`#[derive(FromRef)]` on the state, or an
///   `impl FromRef<AppState> for Idempotency`): forgetting it is a compile
///   error, not a silent fallback;
/// * a router of idempotent routes only can take it as its state:
///   `Router::new().route(..).with_state(Idempotency::new(RedisIdempotencyStore::new(conn)))`;
/// * a router without state (`Router<()>`) uses one in-memory store for
///   the whole process ([`Idempotency::memory`], through
///   `impl FromRef<()> for Idempotency`): right for one server process,
///   wrong for several (each would keep its own records), so a service with
///   several processes gives its router a state.
///
/// The request body an idempotent handler fingerprints is read up to the
/// route's [`BodyLimit`](crate::axum::BodyLimit), like `SecureJson` reads it.
///
/// ```
/// use apishield::axum::{Idempotency, IdempotencyKey};
/// use apishield::idempotency::MemoryIdempotencyStore;
/// use apishield::idempotent;
/// use axum::extract::FromRef;
/// use axum::{Router, routing::post};
///
/// #[derive(Clone)]
/// struct AppState {
///     idempotency: Idempotency,
/// }
///
/// impl FromRef<AppState> for Idempotency {
///     fn from_ref(state: &AppState) -> Self {
///         state.idempotency.clone()
///     }
/// }
///
/// #[idempotent]
/// async fn pay(key: IdempotencyKey) -> String {
///     format!("paid once for {}", key.as_str())
/// }
///
/// // In production: Idempotency::new(RedisIdempotencyStore::new(conn)), shared by every process.
/// let state = AppState { idempotency: Idempotency::new(MemoryIdempotencyStore::default()) };
/// let app: Router = Router::new().route("/payments", post(pay)).with_state(state);
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct Idempotency {
    store: Arc<dyn IdempotencyStore>,
    max_response_bytes: usize,
    /// At most how long a 4xx of the handler is kept; `None`: the route's
    /// `ttl`, as every outcome. The handler ran, and its 4xx may follow an
    /// effect (a declined charge attempt, a 409 after a write): a completed
    /// request is never run again. A body the handler's body extractor
    /// refused (400, 413, 415, 422) is not kept at all: the handler's code
    /// never started.
    client_error_ttl: Option<Duration>,
    extra_replay_headers: Arc<[HeaderName]>,
}

impl std::fmt::Debug for Idempotency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Idempotency")
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
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            client_error_ttl: None,
            extra_replay_headers: Arc::from([]),
        }
    }

    /// Records in this process's memory (`MemoryIdempotencyStore::default()`).
    pub fn memory() -> Self {
        Idempotency::new(MemoryIdempotencyStore::default())
    }

    /// The largest response body kept for replay (default 1 MiB). A larger
    /// one is sent as it is, and its request still counts as done: a retry
    /// gets the status and headers with a problem body
    /// `idempotency_response_not_kept`, never a second run.
    #[must_use]
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// Keeps the handler's 4xx answers this long at most (by default, the
    /// route's `ttl`, as every outcome): for APIs whose handlers answer 4xx
    /// only before they change anything, so that a retry after `ttl` runs
    /// again.
    #[must_use]
    pub fn client_error_ttl(mut self, ttl: Duration) -> Self {
        self.client_error_ttl = Some(ttl);
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

    fn process_default() -> &'static Idempotency {
        static DEFAULT: OnceLock<Idempotency> = OnceLock::new();
        DEFAULT.get_or_init(Idempotency::memory)
    }
}

/// A router without state: one in-memory store for the whole process (see
/// [`Idempotency`]).
impl FromRef<()> for Idempotency {
    fn from_ref(_: &()) -> Self {
        Idempotency::process_default().clone()
    }
}
