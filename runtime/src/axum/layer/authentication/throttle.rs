//! Refused credentials, counted: the [`AuthenticationLayer`](super::AuthenticationLayer)
//! layer's brake on guessing.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use axum::response::IntoResponse;
use http::header::RETRY_AFTER;
use http::{HeaderValue, StatusCode};

use crate::axum::ApiError;
use crate::client_addr::ClientAddr;
use crate::rate_limit::{
    MemoryRateLimiter, Outcome, RateLimitDecision, RateLimitKey, RateLimitPolicy, RateLimiter, Window,
};

/// The namespace of the throttle's keys, so that a limiter shared with a
/// [`RateLimitLayer`](crate::axum::RateLimitLayer) layer never mixes failures with requests.
const SCOPE: &str = "authfail";
/// The namespace of accounts within it ([`FailedAuthLimit::admit_attempt`]),
/// apart from API-key prefixes.
const LOGIN: &str = "login";

/// How many refused credentials the [`AuthenticationLayer`](super::AuthenticationLayer)
/// layer takes before it stops looking at more.
///
/// Each refused credential (malformed, unknown, expired, revoked, a bad
/// signature...) counts once against the client's address and, for an API
/// key, once against the key's display prefix (`sk-live-AbCd`), so that one
/// key guessed at from many addresses is throttled too. Once either budget
/// is spent, requests with a credential from that address or for that
/// prefix are answered 429 (problem+json `authentication_throttled`, with
/// `Retry-After`) **before** any signature is checked or any store is
/// asked. Accepted credentials are checked against the budgets but never
/// spend them, and requests without a credential are not counted at all.
///
/// The default ([`FailedAuthLimit::new`], what `AuthenticationLayer::new()`
/// starts with) keeps its counts in memory: 10 per minute and 100 per hour
/// per client address ([`default_per_client_policy`](Self::default_per_client_policy)),
/// 20 per minute and 200 per hour per API-key prefix
/// ([`default_per_key_policy`](Self::default_per_key_policy)). Several
/// server processes share counts through `RedisRateLimiter`s (feature
/// `redis`) given to [`per_client`](Self::per_client) and
/// [`per_key`](Self::per_key). [`off`](Self::off) turns it off, explicitly.
///
/// Limits and trade-offs:
///
/// * the client address is the peer's, or the one trusted proxies report
///   ([`AuthenticationLayer::trusted_proxies`](super::AuthenticationLayer::trusted_proxies));
///   behind a proxy that is not configured, every client shares the proxy's
///   budget (a warning says so once). Without `ConnectInfo` there is no
///   address, and only the per-key budget applies;
/// * a budget is checked before verification and spent after it, so a
///   burst of concurrent guesses can exceed it by the burst's size;
/// * the per-key budget can be spent by anyone who knows a key's display
///   prefix, locking that key out until it refills: keep it above the
///   per-client one, or turn it off with
///   [`without_per_key`](Self::without_per_key) if that matters more than
///   guesses spread over many addresses;
/// * bearer tokens are counted per address only: a JWT's `kid` names a
///   signing key shared by every token, and budgeting it would let one
///   client lock out all of them.
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use apishield::axum::{AuthenticationLayer, FailedAuthLimit};
/// use apishield::rate_limit::{MemoryRateLimiter, RateLimitPolicy, Window};
///
/// let three_per_minute = RateLimitPolicy::new(Default::default(), [Window::per_minute(3)]).unwrap();
/// let auth = AuthenticationLayer::new()
///     .failed_attempts(FailedAuthLimit::new().per_client(MemoryRateLimiter::new(three_per_minute)));
/// let no_brake = AuthenticationLayer::new().failed_attempts(FailedAuthLimit::off());
/// # let _ = (auth, no_brake);
/// # }
/// ```
#[derive(Clone)]
pub struct FailedAuthLimit {
    per_client: Option<Arc<dyn RateLimiter>>,
    per_key: Option<Arc<dyn RateLimiter>>,
}

impl FailedAuthLimit {
    /// The default budgets, in memory (see the type's documentation).
    pub fn new() -> FailedAuthLimit {
        FailedAuthLimit {
            per_client: Some(Arc::new(MemoryRateLimiter::new(Self::default_per_client_policy()))),
            per_key: Some(Arc::new(MemoryRateLimiter::new(Self::default_per_key_policy()))),
        }
    }

    /// No budget: every refused credential is verified and answered 401,
    /// however many there are.
    pub fn off() -> FailedAuthLimit {
        FailedAuthLimit { per_client: None, per_key: None }
    }

    /// 10 refused credentials per minute and 100 per hour.
    pub fn default_per_client_policy() -> RateLimitPolicy {
        Self::policy(10, 100)
    }

    /// 20 refused credentials per minute and 200 per hour.
    pub fn default_per_key_policy() -> RateLimitPolicy {
        Self::policy(20, 200)
    }

    fn policy(per_minute: u32, per_hour: u32) -> RateLimitPolicy {
        let windows = [Window::per_minute(per_minute), Window::per_hour(per_hour)];
        // Both windows are within every bound the policy checks.
        RateLimitPolicy::new(Default::default(), windows).unwrap_or_else(|_| RateLimitPolicy::unauthenticated())
    }

    /// Counts refused credentials per client address with `limiter` (a
    /// `RedisRateLimiter` to share counts between processes).
    #[must_use]
    pub fn per_client<L: RateLimiter + 'static>(mut self, limiter: L) -> FailedAuthLimit {
        self.per_client = Some(Arc::new(limiter));
        self
    }

    /// Counts refused API keys per display prefix with `limiter`.
    #[must_use]
    pub fn per_key<L: RateLimiter + 'static>(mut self, limiter: L) -> FailedAuthLimit {
        self.per_key = Some(Arc::new(limiter));
        self
    }

    /// No budget per client address.
    #[must_use]
    pub fn without_per_client(mut self) -> FailedAuthLimit {
        self.per_client = None;
        self
    }

    /// No budget per API-key prefix.
    #[must_use]
    pub fn without_per_key(mut self) -> FailedAuthLimit {
        self.per_key = None;
        self
    }

    /// Whether refused credentials are counted at all.
    pub(crate) fn counts_anything(&self) -> bool {
        self.per_client.is_some() || self.per_key.is_some()
    }

    /// Whether refused credentials are counted per client address.
    pub(super) fn counts_clients(&self) -> bool {
        self.per_client.is_some()
    }

    /// The keys one request is counted under.
    pub(super) fn subjects<'a>(&self, client: Option<ClientAddr>, key_prefix: Option<&'a str>) -> Subjects<'a> {
        Subjects {
            client: client.filter(|_| self.per_client.is_some()),
            key_prefix: key_prefix.filter(|_| self.per_key.is_some()),
            account: None,
        }
    }

    /// Before a secret checked outside the layer (a login form's password,
    /// a client secret): whether `client` may try it for `account` now.
    /// `Err` (429 `authentication_throttled` with `Retry-After`, or 503
    /// when the budgets' store is down and fails closed) once the client's
    /// budget or the account's is spent: answer it without checking the
    /// secret, so that a throttled guess costs no hash and learns nothing.
    ///
    /// The client is counted in the per-client budget, as a refused
    /// credential at the layer is; the account in the per-key budget, under
    /// a name of its own (`login:` + `account`), so that one account guessed
    /// at from many addresses is throttled too. The per-key trade-off holds:
    /// anyone can spend an account's budget and lock it out until it refills
    /// ([`without_per_key`](Self::without_per_key) if that matters more).
    ///
    /// ```
    /// # #[cfg(feature = "axum")] {
    /// use apishield::axum::{ApiError, FailedAuthLimit};
    /// use apishield::client_addr::ClientAddr;
    /// use axum::response::{IntoResponse, Response};
    ///
    /// async fn login(brake: &FailedAuthLimit, client: ClientAddr, user: &str, password: &str) -> Response {
    ///     if let Err(refused) = brake.admit_attempt(&client, user).await {
    ///         return refused.into_response(); // 429 or 503, the password unchecked
    ///     }
    ///     if !password_matches(user, password) {
    ///         brake.record_refused_attempt(&client, user).await;
    ///         return ApiError::unauthorized().into_response();
    ///     }
    ///     "welcome".into_response()
    /// }
    /// # fn password_matches(_: &str, _: &str) -> bool { false }
    /// # let _ = login;
    /// # }
    /// ```
    pub async fn admit_attempt(&self, client: &ClientAddr, account: &str) -> Result<(), AttemptRefused> {
        let admitted = self.admit(&self.attempt(client, account)).await;
        if let Err(AttemptRefused::Throttled { retry_after_secs }) = admitted {
            tracing::warn!(retry_after_secs, "refused attempts: throttled");
        }
        admitted
    }

    /// After a secret checked outside the layer was wrong: counts one
    /// refused attempt against `client` and `account` (see
    /// [`admit_attempt`](Self::admit_attempt)). A right secret is not
    /// counted.
    pub async fn record_refused_attempt(&self, client: &ClientAddr, account: &str) {
        self.record_failure(&self.attempt(client, account)).await;
    }

    fn attempt<'a>(&self, client: &ClientAddr, account: &'a str) -> Subjects<'a> {
        Subjects {
            client: Some(client.clone()).filter(|_| self.per_client.is_some()),
            key_prefix: None,
            account: Some(account).filter(|_| self.per_key.is_some()),
        }
    }

    /// The budgets `subjects` are counted in, each limiter with its key.
    /// `skip_untouched`: leaves out a limiter in which no budget was spent
    /// lately (every key has its whole budget), before its key is built:
    /// on an API without refused credentials, reading the budgets on every
    /// request cost a successful request about 4 600 instructions.
    fn budgets<'a>(
        &'a self,
        subjects: &'a Subjects<'_>,
        skip_untouched: bool,
    ) -> impl Iterator<Item = (&'a dyn RateLimiter, RateLimitKey)> + 'a {
        let wanted = move |limiter: &&dyn RateLimiter| !(skip_untouched && limiter.untouched());
        let client = self.per_client.as_deref().filter(wanted).and_then(|limiter| {
            let key = subjects.client.as_ref()?.rate_limit_key()?;
            Some((limiter, RateLimitKey::scoped(SCOPE, &key)))
        });
        let key = self.per_key.as_deref().filter(wanted).and_then(|limiter| {
            let prefix = subjects.key_prefix?;
            Some((limiter, RateLimitKey::scoped(SCOPE, &RateLimitKey::api_key(prefix))))
        });
        let account = self.per_key.as_deref().filter(wanted).and_then(|limiter| {
            let account = subjects.account?;
            Some((
                limiter,
                RateLimitKey::scoped(SCOPE, &RateLimitKey::scoped(LOGIN, &RateLimitKey::principal(account))),
            ))
        });
        client.into_iter().chain(key).chain(account)
    }

    pub(super) async fn admit(&self, subjects: &Subjects<'_>) -> Result<(), AttemptRefused> {
        let mut wait = None::<Duration>;
        for (limiter, key) in self.budgets(subjects, true) {
            let decision = match crate::rate_limit::decide(limiter, &key, 0).await {
                Ok(decision) => decision,
                Err(e) => {
                    tracing::error!(error = %e, "failed-authentication limit misconfigured");
                    continue;
                }
            };
            match decision.outcome() {
                Outcome::Unavailable => return Err(AttemptRefused::Unavailable),
                Outcome::Unchecked => continue,
                _ => {}
            }
            if let Some(spent) = spent_for(&decision) {
                wait = Some(wait.map_or(spent, |w| w.max(spent)));
            }
        }
        match wait {
            // Reported by the layer (`telemetry::authentication`).
            Some(wait) => {
                Err(AttemptRefused::Throttled { retry_after_secs: wait.as_millis().div_ceil(1000).max(1) as u64 })
            }
            None => Ok(()),
        }
    }

    /// Counts one refused credential in every budget of the request.
    pub(super) async fn record_failure(&self, subjects: &Subjects<'_>) {
        for (limiter, key) in self.budgets(subjects, false) {
            if let Err(e) = crate::rate_limit::decide(limiter, &key, 1).await {
                tracing::error!(error = %e, "failed-authentication limit misconfigured");
            }
        }
    }
}

/// How long until a window with nothing left has room again, if one has
/// nothing left.
fn spent_for(decision: &RateLimitDecision) -> Option<Duration> {
    decision
        .windows()
        .iter()
        .filter(|w| w.remaining() == Some(0))
        .map(|w| w.reset_after().unwrap_or(Duration::from_secs(1)))
        .max()
}

impl Default for FailedAuthLimit {
    fn default() -> Self {
        FailedAuthLimit::new()
    }
}

impl fmt::Debug for FailedAuthLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let header = |c: &Option<Arc<dyn RateLimiter>>| c.as_ref().map(|c| c.policy().policy_header());
        f.debug_struct("FailedAuthLimit")
            .field("per_client", &header(&self.per_client))
            .field("per_key", &header(&self.per_key))
            .finish()
    }
}

/// The budgets one request is counted in.
/// Whom a request's refused credentials would be counted against: the
/// client and the API key's display prefix. Their budget keys are built
/// only when a budget is read or spent.
#[derive(Debug, Default)]
pub(super) struct Subjects<'a> {
    client: Option<ClientAddr>,
    key_prefix: Option<&'a str>,
    /// An account a secret was tried for outside the layer.
    account: Option<&'a str>,
}

/// Why [`FailedAuthLimit::admit_attempt`] refused an attempt (and the
/// layer a credential) before its secret was checked. As a response: 429
/// problem+json `authentication_throttled` with `Retry-After`, or 503.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptRefused {
    /// The client's or the account's budget is spent: retry after this
    /// many seconds.
    Throttled {
        /// Seconds until a budget has room again.
        retry_after_secs: u64,
    },
    /// The budgets' store is down and fails closed.
    Unavailable,
}

impl IntoResponse for AttemptRefused {
    fn into_response(self) -> axum::response::Response {
        match self {
            AttemptRefused::Throttled { retry_after_secs } => {
                let throttled = ApiError::with_status(StatusCode::TOO_MANY_REQUESTS, "authentication_throttled");
                let mut response = throttled.into_response();
                response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(retry_after_secs));
                response
            }
            AttemptRefused::Unavailable => ApiError::unavailable().into_response(),
        }
    }
}
