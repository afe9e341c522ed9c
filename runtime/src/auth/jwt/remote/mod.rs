//! [`RemoteJwks`]: an identity provider's JWK set, fetched over HTTPS,
//! cached, refreshed in the background and refetched (rarely) when a token
//! names a key the cache does not hold (feature `jwks`).

mod cache_control;

use std::fmt;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;

use reqwest::header::{ACCEPT, AGE, CACHE_CONTROL, HeaderMap};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode, Url};
use serde_json::Value;

use super::algorithm::JwtAlgorithm;
use super::error::JwtKeyError;
use super::json::parse_object;
use super::keys::JwtKeys;
use crate::time::{Clock, SharedClock};

/// The lifetime of a set whose response says nothing about caching: 10 min.
const DEFAULT_CACHE_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// The shortest lifetime a `Cache-Control` header can ask for: 1 min.
const MIN_CACHE_LIFETIME: Duration = Duration::from_secs(60);
/// The longest lifetime a `Cache-Control` header can ask for: 24 h.
const MAX_CACHE_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);
/// The least time between two fetches caused by unknown `kid`s: 30 s.
const DEFAULT_REFETCH_INTERVAL: Duration = Duration::from_secs(30);
/// The shortest refetch interval that can be configured: 1 s.
const MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(1);
/// The largest response read (the JWK set, the discovery document): 256 KiB.
const DEFAULT_MAX_RESPONSE_SIZE: usize = 256 * 1024;
/// The whole exchange, connection to last byte: 10 s.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest wait before retrying a failed refresh: 5 min.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(5 * 60);
/// The path OpenID Connect Discovery appends to the issuer.
const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

/// Why a JWK set (or the discovery document) could not be fetched or used.
///
/// The first fetch ([`RemoteJwksBuilder::fetch`]) returns it: a service that
/// cannot get its provider's keys at startup should not start. Later
/// refreshes that fail keep the last good set and log it (and
/// [`RemoteJwks::status`] shows it). No variant carries a response body, a
/// header value or a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwksError {
    /// The URL does not parse, has no host, or carries credentials or a
    /// fragment.
    InvalidUrl,
    /// Not `https` (plain `http` only to a loopback address, and only after
    /// [`RemoteJwksBuilder::allow_loopback_http`]).
    InsecureUrl,
    /// No algorithm configured.
    NoAlgorithm,
    /// An HMAC algorithm configured: a shared secret is never published in a
    /// JWK set, and one from a URL would let its server mint tokens.
    SymmetricAlgorithm,
    /// The HTTP client could not be set up (its TLS backend).
    Client,
    /// No answer: DNS, connection, TLS or a broken response.
    Unreachable,
    /// No complete answer within the timeout (10 s by default).
    Timeout,
    /// An HTTP status other than 200. Redirects are not followed, so a 3xx
    /// lands here too.
    Status(u16),
    /// The response is larger than the limit (256 KiB by default).
    TooLarge,
    /// Not a JSON object of the expected shape: a JWK set without a `keys`
    /// array, a discovery document without `issuer` or `jwks_uri`, not UTF-8.
    InvalidDocument,
    /// The discovery document's `issuer` is not the configured issuer
    /// (OpenID Connect Discovery section 4.3).
    IssuerMismatch,
    /// The JWK set was refused: no key fits the configured algorithms, a
    /// key holds private or symmetric material, two keys share a `kid`, ...
    Keys(JwtKeyError),
}

impl JwksError {
    /// A stable, snake_case code for logs and metrics.
    pub const fn code(self) -> &'static str {
        match self {
            JwksError::InvalidUrl => "invalid_url",
            JwksError::InsecureUrl => "insecure_url",
            JwksError::NoAlgorithm => "no_algorithm",
            JwksError::SymmetricAlgorithm => "symmetric_algorithm",
            JwksError::Client => "http_client",
            JwksError::Unreachable => "unreachable",
            JwksError::Timeout => "timeout",
            JwksError::Status(_) => "http_status",
            JwksError::TooLarge => "too_large",
            JwksError::InvalidDocument => "invalid_document",
            JwksError::IssuerMismatch => "issuer_mismatch",
            JwksError::Keys(_) => "keys_refused",
        }
    }
}

impl fmt::Display for JwksError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwksError::InvalidUrl => f.write_str("JWK set: invalid URL"),
            JwksError::InsecureUrl => f.write_str("JWK set: the URL is not https"),
            JwksError::NoAlgorithm => f.write_str("JWK set: no algorithm configured"),
            JwksError::SymmetricAlgorithm => f.write_str("JWK set: HMAC algorithms are never taken from a URL"),
            JwksError::Client => f.write_str("JWK set: the HTTP client could not be built"),
            JwksError::Unreachable => f.write_str("JWK set: the identity provider is unreachable"),
            JwksError::Timeout => f.write_str("JWK set: the identity provider did not answer in time"),
            JwksError::Status(status) => write!(f, "JWK set: the identity provider answered HTTP {status}"),
            JwksError::TooLarge => f.write_str("JWK set: the response is larger than the limit"),
            JwksError::InvalidDocument => f.write_str("JWK set: the response is not the expected JSON document"),
            JwksError::IssuerMismatch => {
                f.write_str("JWK set: the discovery document names another issuer than the configured one")
            }
            JwksError::Keys(error) => write!(f, "JWK set refused: {error}"),
        }
    }
}

impl std::error::Error for JwksError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            JwksError::Keys(error) => Some(error),
            _ => None,
        }
    }
}

/// What a [`RemoteJwks`] holds and how its fetches went.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JwksStatus {
    /// How many keys the current set holds.
    pub keys: usize,
    /// Fetches of the JWK set so far, the first one and failed ones included.
    pub fetches: u64,
    /// Fetches that failed (the last good set was kept).
    pub failed_fetches: u64,
    /// How long the current set is fresh: its `Cache-Control: max-age`
    /// within the bounds, or the default. It is refreshed after nine tenths
    /// of it.
    pub lifetime: Duration,
    /// Why the last fetch failed, if it did.
    pub last_error: Option<JwksError>,
}

/// Where the JWK set comes from.
#[derive(Debug, Clone)]
enum Source {
    JwksUri(String),
    Discovery(String),
}

/// Configures a [`RemoteJwks`]; made by [`RemoteJwks::jwks_uri`] or
/// [`RemoteJwks::discover`].
///
/// | Setting | Default |
/// | --- | --- |
/// | URLs | `https` only; `http` to a loopback address with [`allow_loopback_http`](Self::allow_loopback_http) |
/// | redirects | not followed |
/// | timeout | 10 s for the whole exchange |
/// | response size | 256 KiB |
/// | cache lifetime | `Cache-Control: max-age` (minus `Age`) within 1 min ..= 24 h; 10 min without one |
/// | refetch on an unknown `kid` | at most once per 30 s (at least 1 s) |
/// | background refresh | on, after 9/10 of the lifetime |
/// | clock | [`SystemClock`](crate::time::SystemClock) |
#[derive(Debug)]
#[must_use = "a builder does nothing until `.fetch().await`"]
pub struct RemoteJwksBuilder {
    source: Source,
    algorithms: Vec<JwtAlgorithm>,
    allow_loopback_http: bool,
    timeout: Duration,
    max_response_size: usize,
    default_lifetime: Duration,
    min_lifetime: Duration,
    max_lifetime: Duration,
    refetch_interval: Duration,
    background_refresh: bool,
    clock: SharedClock,
}

impl RemoteJwksBuilder {
    fn new(source: Source, algorithms: impl IntoIterator<Item = JwtAlgorithm>) -> Self {
        RemoteJwksBuilder {
            source,
            algorithms: algorithms.into_iter().collect(),
            allow_loopback_http: false,
            timeout: DEFAULT_TIMEOUT,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            default_lifetime: DEFAULT_CACHE_LIFETIME,
            min_lifetime: MIN_CACHE_LIFETIME,
            max_lifetime: MAX_CACHE_LIFETIME,
            refetch_interval: DEFAULT_REFETCH_INTERVAL,
            background_refresh: true,
            clock: SharedClock::system(),
        }
    }

    /// Also accepts `http://` URLs whose host is a loopback address
    /// (`127.0.0.0/8`, `::1`, `localhost`): a provider in a development
    /// setup or a test. Any other plain-HTTP URL is still refused: keys
    /// fetched without TLS are keys anyone on the path can replace.
    pub fn allow_loopback_http(mut self) -> Self {
        self.allow_loopback_http = true;
        self
    }

    /// The time limit of one exchange, from connecting to the last byte
    /// (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest response read, in bytes (default 256 KiB): a larger
    /// JWK set or discovery document is refused, the rest not read.
    pub fn max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_size = bytes;
        self
    }

    /// The lifetime of a set whose response has no `Cache-Control: max-age`
    /// (default 10 min; kept within the bounds).
    pub fn default_cache_lifetime(mut self, lifetime: Duration) -> Self {
        self.default_lifetime = lifetime;
        self
    }

    /// The bounds of the lifetime a response can ask for (default 1 min
    /// ..= 24 h): a `max-age=0` is not a fetch per request, a
    /// `max-age=31536000` does not pin a key for a year.
    pub fn cache_lifetime_bounds(mut self, min: Duration, max: Duration) -> Self {
        self.min_lifetime = min.min(max);
        self.max_lifetime = max.max(min);
        self
    }

    /// The least time between two fetches caused by tokens with an unknown
    /// `kid` (default 30 s, at least 1 s). Such tokens are what an attacker
    /// sends at will: this interval, not their number, bounds what reaches
    /// the identity provider.
    pub fn refetch_interval(mut self, interval: Duration) -> Self {
        self.refetch_interval = interval.max(MIN_REFETCH_INTERVAL);
        self
    }

    /// Whether a background task refreshes the set before its lifetime ends
    /// (default on; the task ends once every clone of the [`RemoteJwks`] is
    /// dropped). Without it, call [`RemoteJwks::refresh_if_due`] yourself.
    pub fn background_refresh(mut self, enabled: bool) -> Self {
        self.background_refresh = enabled;
        self
    }

    /// Reads the time from `clock` (the schedule of refreshes and
    /// refetches) instead of the [`SystemClock`](crate::time::SystemClock).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = SharedClock::new(clock);
        self
    }

    /// Fetches the set (after the discovery document, for
    /// [`discover`](RemoteJwks::discover)) and starts the background
    /// refresh. Fails if the configuration is unsafe or the first fetch
    /// fails: there is no last good set to fall back on yet.
    pub async fn fetch(self) -> Result<RemoteJwks, JwksError> {
        if self.algorithms.is_empty() {
            return Err(JwksError::NoAlgorithm);
        }
        if self.algorithms.iter().any(|alg| alg.is_hmac()) {
            return Err(JwksError::SymmetricAlgorithm);
        }
        let client = Client::builder()
            .use_rustls_tls()
            .redirect(Policy::none())
            .referer(false)
            .https_only(!self.allow_loopback_http)
            .timeout(self.timeout)
            .connect_timeout(self.timeout)
            .user_agent(concat!("apishield/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| JwksError::Client)?;
        let loopback = self.allow_loopback_http;
        let (jwks_uri, issuer) = match &self.source {
            Source::JwksUri(url) => (checked_url(url, loopback)?, None),
            Source::Discovery(issuer) => {
                let jwks_uri = discover(&client, issuer, loopback, self.max_response_size).await?;
                (jwks_uri, Some(issuer.clone()))
            }
        };
        let fetched = fetch_set(&client, &jwks_uri, &self.algorithms, self.max_response_size).await;
        let (keys, freshness) = fetched.inspect_err(|error| {
            tracing::warn!(jwks_uri = %jwks_uri, error = error.code(), "JWK set: the first fetch failed");
        })?;
        let now = self.clock.now_ms();
        let lifetime = cache_control::lifetime(freshness, self.default_lifetime, self.min_lifetime, self.max_lifetime);
        tracing::info!(jwks_uri = %jwks_uri, keys = keys.len(), lifetime_secs = lifetime.as_secs(), "JWK set fetched");
        let inner = Arc::new(Inner {
            jwks_uri,
            issuer,
            algorithms: self.algorithms,
            client,
            max_response_size: self.max_response_size,
            default_lifetime: self.default_lifetime,
            min_lifetime: self.min_lifetime,
            max_lifetime: self.max_lifetime,
            refetch_interval: self.refetch_interval,
            clock: self.clock,
            keys: RwLock::new(Arc::new(keys)),
            schedule: Mutex::new(Schedule {
                lifetime,
                refresh_at_ms: now.saturating_add(refresh_delay_ms(lifetime)),
                last_attempt_ms: now,
                failures_in_row: 0,
                last_error: None,
            }),
            single_flight: tokio::sync::Mutex::new(()),
            attempts: AtomicU64::new(1),
            failures: AtomicU64::new(0),
            refetch_pending: AtomicBool::new(false),
        });
        let jwks = RemoteJwks { inner };
        if self.background_refresh {
            jwks.spawn_refresher();
        }
        Ok(jwks)
    }
}

/// An identity provider's JWK set, fetched from its `jwks_uri` (or found
/// through OpenID Connect discovery) and kept fresh: the key source of a
/// [`JwtValidator`](super::JwtValidator) in front of a real identity
/// provider (feature `jwks`).
///
/// - **Cache and refresh**: the set lives as long as the response's
///   `Cache-Control: max-age` says, within 1 min ..= 24 h (10 min without
///   one); a background task fetches it again after nine tenths of that, so
///   no request waits for the provider.
/// - **Rotation**: a token whose `kid` the cache does not hold makes
///   [`JwtValidator::validate_async`](super::JwtValidator::validate_async)
///   (what the [`AuthenticationLayer`](crate::axum::AuthenticationLayer)
///   calls) fetch the set again and retry once, at most once per refetch
///   interval (30 s) however many such tokens arrive, and concurrent ones
///   share one fetch. A `kid` still unknown after that is
///   [`JwtError::UnknownKid`](super::JwtError::UnknownKid): a 401, never a 500.
/// - **Outage**: a failed or refused fetch (provider down, an error status,
///   garbage, an oversized answer, a set with no usable key) keeps the last
///   good set, logs a warning, and is retried after the refetch interval,
///   doubling up to 5 min.
/// - **What is accepted**: `https` URLs only (loopback `http` when allowed),
///   no redirects, 256 KiB, 10 s. Keys with `"use":"enc"`, of an
///   unsupported type or whose `alg` is not configured are skipped; a set
///   with private or symmetric (`oct`) material is refused, and HMAC
///   algorithms cannot be configured: no key confusion through the URL.
///
/// Cheap to clone (clones share the cache).
///
/// ```no_run
/// use apishield::auth::jwt::{JwtAlgorithm, JwtValidator, RemoteJwks};
///
/// # async fn run() -> Result<(), apishield::auth::jwt::JwksError> {
/// let jwks = RemoteJwks::discover("https://id.example.com", [JwtAlgorithm::RS256]).fetch().await?;
/// let validator = JwtValidator::builder(jwks)
///     .issuer("https://id.example.com")   // must be the issuer that was discovered
///     .audience("orders-api")
///     .build();
/// # let _ = validator;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RemoteJwks {
    inner: Arc<Inner>,
}

struct Inner {
    jwks_uri: Url,
    issuer: Option<String>,
    algorithms: Vec<JwtAlgorithm>,
    client: Client,
    max_response_size: usize,
    default_lifetime: Duration,
    min_lifetime: Duration,
    max_lifetime: Duration,
    refetch_interval: Duration,
    clock: SharedClock,
    keys: RwLock<Arc<JwtKeys>>,
    schedule: Mutex<Schedule>,
    /// Held while fetching: one fetch at a time, the others wait for it.
    single_flight: tokio::sync::Mutex<()>,
    /// Fetch attempts: a caller that saw it change while waiting for
    /// `single_flight` takes that fetch's result instead of fetching again.
    attempts: AtomicU64,
    failures: AtomicU64,
    /// A refetch requested by the synchronous `validate` is on its way.
    refetch_pending: AtomicBool,
}

#[derive(Debug)]
struct Schedule {
    lifetime: Duration,
    refresh_at_ms: u64,
    last_attempt_ms: u64,
    failures_in_row: u32,
    last_error: Option<JwksError>,
}

/// Why a fetch is attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Trigger {
    /// Asked for: always.
    Now,
    /// The schedule: only once the refresh time has come.
    Due,
    /// A token with an unknown `kid`: only once per refetch interval.
    UnknownKid,
}

impl RemoteJwks {
    /// The set at `url`, for keys of `algorithms` (asymmetric ones: RS*,
    /// PS*, ES256, ES384, EdDSA). Then `.fetch().await`.
    pub fn jwks_uri(url: impl Into<String>, algorithms: impl IntoIterator<Item = JwtAlgorithm>) -> RemoteJwksBuilder {
        RemoteJwksBuilder::new(Source::JwksUri(url.into()), algorithms)
    }

    /// The set of the OpenID Connect provider `issuer`: its
    /// `{issuer}/.well-known/openid-configuration` names the `jwks_uri`
    /// (which must pass the same URL checks), and its `issuer` must equal
    /// `issuer` exactly, or the fetch fails with
    /// [`JwksError::IssuerMismatch`]. The validator's
    /// [`issuer`](super::JwtValidatorBuilder::issuer) must be the same: a
    /// validator whose issuer differs refuses every token
    /// ([`JwtError::WrongIssuer`](super::JwtError::WrongIssuer)). The
    /// discovery document is read once; refreshes fetch the `jwks_uri`.
    pub fn discover(
        issuer: impl Into<String>,
        algorithms: impl IntoIterator<Item = JwtAlgorithm>,
    ) -> RemoteJwksBuilder {
        RemoteJwksBuilder::new(Source::Discovery(issuer.into()), algorithms)
    }

    /// The current set.
    pub fn keys(&self) -> Arc<JwtKeys> {
        Arc::clone(&self.inner.keys.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The URL the set is fetched from.
    pub fn url(&self) -> &str {
        self.inner.jwks_uri.as_str()
    }

    /// The issuer the set was discovered for ([`discover`](Self::discover)),
    /// `None` for a set configured by URL.
    pub fn issuer(&self) -> Option<&str> {
        self.inner.issuer.as_deref()
    }

    /// The algorithms keys are accepted for.
    pub fn algorithms(&self) -> &[JwtAlgorithm] {
        &self.inner.algorithms
    }

    /// The current set's size, the fetch counts, the lifetime, the last error.
    pub fn status(&self) -> JwksStatus {
        let schedule = self.inner.schedule();
        JwksStatus {
            keys: self.keys().len(),
            fetches: self.inner.attempts.load(Ordering::SeqCst),
            failed_fetches: self.inner.failures.load(Ordering::SeqCst),
            lifetime: schedule.lifetime,
            last_error: schedule.last_error,
        }
    }

    /// Fetches the set now. Concurrent calls share one fetch. On failure the
    /// current set stays.
    pub async fn refresh(&self) -> Result<(), JwksError> {
        self.run(Trigger::Now).await.map(|_| ())
    }

    /// Fetches the set if its refresh time (nine tenths of its lifetime, or
    /// the retry time after a failure) has come: `Ok(true)` if it was
    /// fetched, by this call or a concurrent one. The background task calls
    /// this; without it ([`background_refresh(false)`](RemoteJwksBuilder::background_refresh))
    /// the application does.
    pub async fn refresh_if_due(&self) -> Result<bool, JwksError> {
        self.run(Trigger::Due).await
    }

    /// For a token whose `kid` is not in the set: fetches the set again
    /// unless that was done less than the refetch interval ago; `true` if
    /// the set may have changed since the token was checked (fetched by
    /// this call or by one it waited for), so checking again is worth it.
    pub(crate) async fn refetch_for_unknown_kid(&self) -> bool {
        self.run(Trigger::UnknownKid).await.unwrap_or(false)
    }

    /// [`refetch_for_unknown_kid`](Self::refetch_for_unknown_kid) in a task
    /// of the current tokio runtime, for the synchronous `validate`: the
    /// token is refused, a later one with the same `kid` finds the key.
    pub(crate) fn request_refetch(&self) {
        if !self.inner.refetch_allowed(self.inner.clock.now_ms())
            || self.inner.refetch_pending.swap(true, Ordering::SeqCst)
        {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            self.inner.refetch_pending.store(false, Ordering::SeqCst);
            return;
        };
        let jwks = self.clone();
        runtime.spawn(async move {
            jwks.refetch_for_unknown_kid().await;
            jwks.inner.refetch_pending.store(false, Ordering::SeqCst);
        });
    }

    /// Replaces the cached set until the next fetch.
    pub(crate) fn replace(&self, keys: JwtKeys) {
        *self.inner.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
    }

    async fn run(&self, trigger: Trigger) -> Result<bool, JwksError> {
        let inner = &*self.inner;
        let seen = inner.attempts.load(Ordering::SeqCst);
        let _flight = inner.single_flight.lock().await;
        if inner.attempts.load(Ordering::SeqCst) != seen {
            // Another caller fetched while this one waited: its outcome is
            // this call's, no second request.
            return match inner.schedule().last_error {
                None => Ok(true),
                Some(error) => Err(error),
            };
        }
        let now = inner.clock.now_ms();
        match trigger {
            Trigger::Now => {}
            Trigger::Due if now < inner.schedule().refresh_at_ms => return Ok(false),
            Trigger::UnknownKid if !inner.refetch_allowed(now) => {
                tracing::debug!(jwks_uri = %inner.jwks_uri, "JWK set: unknown kid, refetched less than the interval ago");
                return Ok(false);
            }
            Trigger::Due | Trigger::UnknownKid => {}
        }
        let fetched = fetch_set(&inner.client, &inner.jwks_uri, &inner.algorithms, inner.max_response_size).await;
        let now = inner.clock.now_ms();
        let mut schedule = inner.schedule();
        schedule.last_attempt_ms = now;
        let outcome = match fetched {
            Ok((keys, freshness)) => {
                let lifetime =
                    cache_control::lifetime(freshness, inner.default_lifetime, inner.min_lifetime, inner.max_lifetime);
                let count = keys.len();
                *inner.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
                schedule.lifetime = lifetime;
                schedule.refresh_at_ms = now.saturating_add(refresh_delay_ms(lifetime));
                schedule.failures_in_row = 0;
                schedule.last_error = None;
                tracing::info!(
                    jwks_uri = %inner.jwks_uri,
                    keys = count,
                    lifetime_secs = lifetime.as_secs(),
                    reason = trigger.reason(),
                    "JWK set fetched"
                );
                Ok(true)
            }
            Err(error) => {
                inner.failures.fetch_add(1, Ordering::SeqCst);
                schedule.failures_in_row = schedule.failures_in_row.saturating_add(1);
                schedule.last_error = Some(error);
                let retry = retry_delay(inner.refetch_interval, schedule.failures_in_row);
                schedule.refresh_at_ms = now.saturating_add(millis(retry));
                tracing::warn!(
                    jwks_uri = %inner.jwks_uri,
                    error = error.code(),
                    failures_in_row = schedule.failures_in_row,
                    retry_secs = retry.as_secs(),
                    reason = trigger.reason(),
                    "JWK set fetch failed; the last good set stays"
                );
                Err(error)
            }
        };
        // Counted last, under the schedule lock: a waiter that sees the new
        // count also sees this fetch's outcome.
        inner.attempts.fetch_add(1, Ordering::SeqCst);
        drop(schedule);
        outcome
    }

    fn spawn_refresher(&self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(jwks_uri = %self.inner.jwks_uri, "JWK set: no tokio runtime, so no background refresh");
            return;
        };
        let weak = Arc::downgrade(&self.inner);
        runtime.spawn(async move {
            loop {
                let Some(wait) = weak.upgrade().map(|inner| inner.until_refresh()) else { return };
                tokio::time::sleep(wait).await;
                let Some(inner) = weak.upgrade() else { return };
                // Failures are logged and scheduled for a retry by `run`.
                let _ = RemoteJwks { inner }.refresh_if_due().await;
            }
        });
    }
}

impl Inner {
    fn schedule(&self) -> std::sync::MutexGuard<'_, Schedule> {
        self.schedule.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn refetch_allowed(&self, now_ms: u64) -> bool {
        now_ms.saturating_sub(self.schedule().last_attempt_ms) >= millis(self.refetch_interval)
    }

    /// How long the background task sleeps: until the refresh time, at
    /// least 1 s.
    fn until_refresh(&self) -> Duration {
        let wait = self.schedule().refresh_at_ms.saturating_sub(self.clock.now_ms());
        Duration::from_millis(wait).max(Duration::from_secs(1))
    }
}

impl Trigger {
    fn reason(self) -> &'static str {
        match self {
            Trigger::Now => "requested",
            Trigger::Due => "scheduled",
            Trigger::UnknownKid => "unknown_kid",
        }
    }
}

impl fmt::Debug for RemoteJwks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteJwks")
            .field("url", &self.url())
            .field("issuer", &self.issuer())
            .field("keys", &self.keys())
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

/// Nine tenths of the lifetime: the set is fetched again before it expires.
fn refresh_delay_ms(lifetime: Duration) -> u64 {
    millis(lifetime) / 10 * 9
}

/// After `failures` failed fetches in a row: the refetch interval, doubled
/// for each further failure, at most 5 min (or the interval, if larger).
fn retry_delay(interval: Duration, failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    interval.saturating_mul(1 << doublings).min(MAX_RETRY_DELAY.max(interval))
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// `text` as a URL keys may be fetched from.
fn checked_url(text: &str, allow_loopback_http: bool) -> Result<Url, JwksError> {
    let url = Url::parse(text).map_err(|_| JwksError::InvalidUrl)?;
    if url.host_str().is_none_or(str::is_empty)
        || !url.username().is_empty()
        || url.password().is_some()
        || url.fragment().is_some()
    {
        return Err(JwksError::InvalidUrl);
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_loopback_http && is_loopback(&url) => Ok(url),
        _ => Err(JwksError::InsecureUrl),
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else { return false };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// The `jwks_uri` of the OpenID Connect provider `issuer`.
async fn discover(client: &Client, issuer: &str, loopback: bool, max_size: usize) -> Result<Url, JwksError> {
    checked_url(issuer, loopback)?;
    let url = checked_url(&format!("{}{DISCOVERY_PATH}", issuer.trim_end_matches('/')), loopback)?;
    let response = get(client, &url, max_size, "application/json").await.inspect_err(|error| {
        tracing::warn!(discovery_url = %url, error = error.code(), "OpenID Connect discovery failed");
    })?;
    let document = parse_object(&response.body).map_err(|_| JwksError::InvalidDocument)?;
    let text = |name: &str| document.get(name).and_then(Value::as_str).ok_or(JwksError::InvalidDocument);
    if text("issuer")? != issuer {
        tracing::warn!(discovery_url = %url, "OpenID Connect discovery: the document names another issuer");
        return Err(JwksError::IssuerMismatch);
    }
    let jwks_uri = checked_url(text("jwks_uri")?, loopback)?;
    tracing::info!(discovery_url = %url, jwks_uri = %jwks_uri, "OpenID Connect discovery");
    Ok(jwks_uri)
}

/// The JWK set at `url`, and the freshness its caching headers ask for.
async fn fetch_set(
    client: &Client,
    url: &Url,
    algorithms: &[JwtAlgorithm],
    max_size: usize,
) -> Result<(JwtKeys, Option<Duration>), JwksError> {
    let response = get(client, url, max_size, "application/jwk-set+json, application/json").await?;
    let text = std::str::from_utf8(&response.body).map_err(|_| JwksError::InvalidDocument)?;
    let keys = JwtKeys::from_jwk_set(text, algorithms).map_err(|error| match error {
        JwtKeyError::InvalidJwkSet => JwksError::InvalidDocument,
        other => JwksError::Keys(other),
    })?;
    let header = |name| response.headers.get(name).and_then(|value| value.to_str().ok());
    Ok((keys, cache_control::freshness(header(CACHE_CONTROL), header(AGE))))
}

struct Response {
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A GET that accepts only a 200 of at most `max_size` bytes, reading no
/// further than that.
async fn get(client: &Client, url: &Url, max_size: usize, accept: &'static str) -> Result<Response, JwksError> {
    let mut response = client.get(url.clone()).header(ACCEPT, accept).send().await.map_err(transport)?;
    if response.status() != StatusCode::OK {
        return Err(JwksError::Status(response.status().as_u16()));
    }
    if response.content_length().is_some_and(|length| length > u64::try_from(max_size).unwrap_or(u64::MAX)) {
        return Err(JwksError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        if body.len().saturating_add(chunk.len()) > max_size {
            return Err(JwksError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Response { headers: response.headers().clone(), body })
}

fn transport(error: reqwest::Error) -> JwksError {
    let timeout = error.is_timeout();
    tracing::debug!(error = %error.without_url(), "JWK set: HTTP exchange failed");
    if timeout { JwksError::Timeout } else { JwksError::Unreachable }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::{JwksError, checked_url, retry_delay};

    #[test]
    fn only_https_or_allowed_loopback_http() {
        assert!(checked_url("https://id.example.com/jwks", false).is_ok());
        for loopback in ["http://127.0.0.1:8080/jwks", "http://127.8.9.10/k", "http://[::1]:9/k", "http://LOCALHOST/k"]
        {
            assert_eq!(checked_url(loopback, false).unwrap_err(), JwksError::InsecureUrl, "{loopback}");
            assert!(checked_url(loopback, true).is_ok(), "{loopback}");
        }
        for remote in ["http://id.example.com/jwks", "http://10.0.0.1/k", "http://localhost.example.com/k", "ftp://x/k"]
        {
            assert_eq!(checked_url(remote, true).unwrap_err(), JwksError::InsecureUrl, "{remote}");
        }
        for invalid in ["not a url", "https://user:pw@id.example.com/jwks", "https://id.example.com/jwks#k", "/jwks"] {
            assert_eq!(checked_url(invalid, true).unwrap_err(), JwksError::InvalidUrl, "{invalid}");
        }
    }

    #[test]
    fn retries_back_off_to_five_minutes() {
        let interval = Duration::from_secs(30);
        let delays: Vec<u64> = (1..=6).map(|n| retry_delay(interval, n).as_secs()).collect();
        assert_eq!(delays, [30, 60, 120, 240, 300, 300]);
        assert_eq!(retry_delay(interval, u32::MAX), Duration::from_secs(300));
        assert_eq!(retry_delay(Duration::from_secs(600), 3), Duration::from_secs(600));
    }
}
