//! The Redis limiter: one Lua script per decision, fail modes, outage logging.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::algorithm::{Results, WindowResult};
use super::decision::{Outcome, RateLimitDecision};
use super::key::RateLimitKey;
use super::policy::RateLimitPolicy;
use super::{RateLimitError, RateLimiter};
use crate::store::BoxFuture;
use crate::time::{Clock, SystemClock};

/// Default [`RedisRateLimiter::prefix`]: `apishield:rl:`.
const DEFAULT_PREFIX: &str = "apishield:rl:";
/// Default [`RedisOptions::timeout`]: 250 ms for a whole decision.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_millis(250);
/// Default [`RedisOptions::unavailable_retry_after`]: 1 second.
pub(crate) const DEFAULT_UNAVAILABLE_RETRY_AFTER: Duration = Duration::from_secs(1);

const SCRIPT: &str = include_str!("rate_limit.lua");
const WARN_EVERY_MS: u64 = 10_000;

/// What a Redis limiter decides when Redis cannot be asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum FailMode {
    /// Refuse the request with 503 and `Retry-After`
    /// ([`Outcome::Unavailable`]). The default: an outage of the limiter
    /// must not become an outage of the limit.
    #[default]
    Closed,
    /// Serve the request uncounted ([`Outcome::Unchecked`]) and log a
    /// warning. For endpoints whose availability matters more than their
    /// limit.
    Open,
}

/// How a [`RedisRateLimiter`] talks to Redis.
///
/// ```
/// use std::time::Duration;
/// use apishield::rate_limit::{FailMode, RedisOptions};
///
/// let options = RedisOptions::default().fail_mode(FailMode::Open).timeout(Duration::from_millis(100));
/// assert_eq!(options.get_fail_mode(), FailMode::Open);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedisOptions {
    timeout: Duration,
    fail_mode: FailMode,
    unavailable_retry_after: Duration,
}

impl Default for RedisOptions {
    fn default() -> Self {
        RedisOptions {
            timeout: DEFAULT_TIMEOUT,
            fail_mode: FailMode::Closed,
            unavailable_retry_after: DEFAULT_UNAVAILABLE_RETRY_AFTER,
        }
    }
}

impl RedisOptions {
    /// Longest wait for one decision, connecting included (default
    /// 250 ms); past it, the [`FailMode`] decides.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// What to decide when Redis cannot be asked (default
    /// [`FailMode::Closed`]).
    #[must_use]
    pub fn fail_mode(mut self, mode: FailMode) -> Self {
        self.fail_mode = mode;
        self
    }

    /// `Retry-After` of a 503 when failing closed (default 1 s).
    #[must_use]
    pub fn unavailable_retry_after(mut self, wait: Duration) -> Self {
        self.unavailable_retry_after = wait;
        self
    }

    /// The configured fail mode.
    pub fn get_fail_mode(&self) -> FailMode {
        self.fail_mode
    }
}

/// Rate limiting shared by every process that uses the same Redis.
///
/// * **One round trip, atomic.** Each decision is one `EVALSHA` of
///   `rate_limit.lua` (plus a `SCRIPT LOAD` the first time a Redis has not
///   seen it, after a restart say), which reads every window's state,
///   decides, and writes only if every window allows: no other client's
///   command runs in between, so two servers can never both take the last
///   unit.
/// * **The Redis server's clock.** The script reads `TIME`; the clocks of
///   the app servers play no part, so one that runs ahead cannot refill
///   buckets early.
/// * **Bounded memory.** Every key written gets a TTL: the time after which
///   its state no longer changes a decision (a full bucket, two periods of
///   a counter, one period of a log).
/// * **Outages are a decision, not a panic.** A decision that cannot be had
///   within [`RedisOptions::timeout`] (connection refused, no answer, a
///   script error) becomes, per [`FailMode`], a 503 ([`Outcome::Unavailable`],
///   the default) or an uncounted pass ([`Outcome::Unchecked`]), with a
///   warning logged (at the first failure, then at most every 10 seconds
///   with a count, and a note when Redis answers again). The connection
///   manager reconnects on its own, so decisions resume by themselves. A
///   request that timed out may still reach Redis later and be counted:
///   the error is on the side of the limit, never past it.
///
/// Keys are `{prefix}{<rendered key>}:<policy id>:<algorithm>:<window>`,
/// e.g. `apishield:rl:{principal:user-42}:3f1c0a9b5e2d7c64:sw:minute`: the
/// braces make every window of one key a single Redis Cluster hash slot, as
/// a script needs, and the [policy id](RateLimitPolicy::id) keeps limiters
/// with different policies apart on one prefix (a login limit of 5 per
/// minute never spends a search limit of 100 per minute), while limiters
/// with the same policy, in any number of processes, share one budget.
///
/// ```no_run
/// use apishield::rate_limit::{RateLimitKey, RateLimitPolicy, RateLimiter, RedisOptions, RedisRateLimiter};
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let limiter =
///     RedisRateLimiter::connect("redis://127.0.0.1:6379", RateLimitPolicy::paid(), RedisOptions::default()).await?;
/// let decision = limiter.check(&RateLimitKey::api_key("key_7Hq"), 1).await?;
/// if !decision.is_allowed() {
///     // 429 (or 503 while Redis is unreachable), with decision.headers()
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct RedisRateLimiter {
    inner: Arc<Inner>,
    prefix: Arc<str>,
}

struct Inner {
    policy: RateLimitPolicy,
    max_cost: u32,
    conn: ConnectionManager,
    script: redis::Script,
    options: RedisOptions,
    /// Per window: `:<policy id>:<algorithm>:<name>` after the key's hash tag.
    suffixes: Vec<String>,
    health: Health,
}

/// Why a limiter could not be built.
#[derive(Debug)]
#[non_exhaustive]
pub enum ConnectError {
    /// The URL or client configuration was refused by the Redis client.
    Redis(redis::RedisError),
    /// Not called from within a Tokio runtime (the connection manager runs
    /// on Tokio).
    NoRuntime,
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Redis(e) => write!(f, "redis rate limiter: {e}"),
            ConnectError::NoRuntime => f.write_str("redis rate limiter: must be created within a Tokio runtime"),
        }
    }
}

impl std::error::Error for ConnectError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ConnectError::Redis(e) => Some(e),
            ConnectError::NoRuntime => None,
        }
    }
}

impl RedisRateLimiter {
    /// A limiter for `policy` on the Redis at `url` (`redis://host:port/db`,
    /// `rediss://` for TLS where the client supports it).
    ///
    /// Does not wait for Redis: the connection is made on the first
    /// decision and remade after a failure, so a server starts while Redis
    /// is down and its decisions follow the [`FailMode`] until Redis
    /// answers. Fails only on a malformed URL, or outside a Tokio runtime.
    pub async fn connect(url: &str, policy: RateLimitPolicy, options: RedisOptions) -> Result<Self, ConnectError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(ConnectError::NoRuntime);
        }
        let client = redis::Client::open(url).map_err(ConnectError::Redis)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(options.timeout))
            .set_response_timeout(Some(options.timeout))
            // Reconnection is retried briefly here; every later decision
            // that finds the connection down starts another attempt.
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500));
        let conn = ConnectionManager::new_lazy_with_config(client, config).map_err(ConnectError::Redis)?;
        Ok(RedisRateLimiter::from_manager(conn, policy, options))
    }

    /// A limiter for `policy` over an existing connection manager (shared
    /// with the rest of the application, say).
    pub fn from_manager(conn: ConnectionManager, policy: RateLimitPolicy, options: RedisOptions) -> Self {
        let (id, tag) = (policy.id(), policy.algorithm().tag());
        let suffixes = policy.specs().iter().map(|s| format!(":{id}:{tag}:{}", s.name)).collect();
        RedisRateLimiter {
            inner: Arc::new(Inner {
                max_cost: policy.max_cost(),
                policy,
                conn,
                script: redis::Script::new(SCRIPT),
                options,
                suffixes,
                health: Health::default(),
            }),
            prefix: Arc::from(DEFAULT_PREFIX),
        }
    }

    /// Names every Redis key `<prefix>{<key>}:...` (default `apishield:rl:`).
    /// Braces are removed from the prefix: the key's own braces are the
    /// hash tag that keeps a key's windows in one Redis Cluster slot.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Arc::from(prefix.into().replace(['{', '}'], ""));
        self
    }

    /// The policy.
    pub fn policy(&self) -> &RateLimitPolicy {
        &self.inner.policy
    }

    /// The options.
    pub fn options(&self) -> &RedisOptions {
        &self.inner.options
    }

    /// The Redis key holding `window`'s state for `key` (for operators and
    /// tests).
    pub fn redis_key(&self, key: &RateLimitKey, window: usize) -> Option<String> {
        let suffix = self.inner.suffixes.get(window)?;
        Some(format!("{}{{{}}}{suffix}", self.prefix, key.as_str()))
    }

    /// Decides a request of `cost` units for `key`; see
    /// [`RateLimiter::check`].
    pub async fn check(&self, key: &RateLimitKey, cost: u32) -> Result<RateLimitDecision, RateLimitError> {
        let inner = &*self.inner;
        if cost > inner.max_cost {
            return Err(RateLimitError::CostExceedsCapacity { cost, capacity: inner.max_cost });
        }
        let specs = inner.policy.specs();
        let mut invocation = inner.script.prepare_invoke();
        for suffix in &inner.suffixes {
            invocation.key(format!("{}{{{}}}{suffix}", self.prefix, key.as_str()));
        }
        invocation.arg(inner.policy.algorithm().code()).arg(cost);
        for spec in specs {
            invocation.arg(spec.rate).arg(spec.period_ms).arg(spec.capacity);
        }
        let mut conn = inner.conn.clone();
        let reply = tokio::time::timeout(inner.options.timeout, invocation.invoke_async::<Vec<i64>>(&mut conn)).await;
        let failure = match reply {
            Ok(Ok(values)) => match parse(&values, specs.len()) {
                Some((allowed, now_ms, results)) => {
                    inner.health.success();
                    return Ok(RateLimitDecision::counted(&inner.policy, allowed, now_ms, &results));
                }
                None => Failure::Reply(values.len()),
            },
            Ok(Err(e)) => Failure::Redis(e),
            Err(_) => Failure::Timeout(inner.options.timeout),
        };
        Ok(inner.unavailable(&failure))
    }
}

impl Inner {
    fn unavailable(&self, failure: &Failure) -> RateLimitDecision {
        // Redis's clock is out of reach: the answer's reset times are this
        // server's.
        let now_ms = SystemClock.now_ms();
        self.health.failure(self.options.fail_mode, failure, now_ms);
        match self.options.fail_mode {
            FailMode::Closed => {
                let retry_ms = u64::try_from(self.options.unavailable_retry_after.as_millis()).unwrap_or(u64::MAX);
                RateLimitDecision::uncounted(&self.policy, Outcome::Unavailable, now_ms, retry_ms)
            }
            FailMode::Open => RateLimitDecision::uncounted(&self.policy, Outcome::Unchecked, now_ms, 0),
        }
    }
}

fn parse(values: &[i64], windows: usize) -> Option<(bool, u64, Results)> {
    if values.len() != 2 + 3 * windows {
        return None;
    }
    let nonneg = |v: i64| u64::try_from(v).ok();
    let allowed = values[0] == 1;
    let now_ms = nonneg(values[1])?;
    let mut results = Results::default();
    for (i, chunk) in values[2..].chunks_exact(3).enumerate() {
        results[i] = WindowResult {
            remaining: nonneg(chunk[0])?,
            reset_after_ms: nonneg(chunk[1])?,
            retry_after_ms: nonneg(chunk[2])?,
        };
    }
    Some((allowed, now_ms, results))
}

enum Failure {
    Redis(redis::RedisError),
    Timeout(Duration),
    Reply(usize),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Redis(e) => write!(f, "{e}"),
            Failure::Timeout(t) => write!(f, "no answer within {} ms", t.as_millis()),
            Failure::Reply(n) => write!(f, "unexpected reply of {n} values from the rate-limit script"),
        }
    }
}

/// Whether Redis answered lately, so that an outage is logged once (and
/// then every 10 s with a count), not once per request.
#[derive(Debug, Default)]
struct Health {
    down: AtomicBool,
    last_warning_ms: AtomicU64,
    failures_since_warning: AtomicU64,
}

impl Health {
    #[inline]
    fn success(&self) {
        if self.down.load(Ordering::Relaxed) && self.down.swap(false, Ordering::Relaxed) {
            tracing::info!("redis rate limiter: Redis answers again; decisions are counted again");
        }
    }

    fn failure(&self, mode: FailMode, failure: &Failure, now_ms: u64) {
        let failures = self.failures_since_warning.fetch_add(1, Ordering::Relaxed) + 1;
        let newly_down = !self.down.swap(true, Ordering::Relaxed);
        let last = self.last_warning_ms.load(Ordering::Relaxed);
        let due = newly_down || now_ms.saturating_sub(last) >= WARN_EVERY_MS;
        if !due || self.last_warning_ms.compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed).is_err() {
            tracing::debug!(error = %failure, "redis rate limiter: no decision from Redis");
            return;
        }
        self.failures_since_warning.store(0, Ordering::Relaxed);
        match mode {
            FailMode::Open => tracing::warn!(
                error = %failure,
                failures,
                "redis rate limiter: Redis unavailable, failing open: requests pass uncounted"
            ),
            FailMode::Closed => tracing::warn!(
                error = %failure,
                failures,
                "redis rate limiter: Redis unavailable, failing closed: requests are refused with 503"
            ),
        }
    }
}

impl RateLimiter for RedisRateLimiter {
    fn check<'a>(
        &'a self,
        key: &'a RateLimitKey,
        cost: u32,
    ) -> BoxFuture<'a, Result<RateLimitDecision, RateLimitError>> {
        Box::pin(RedisRateLimiter::check(self, key, cost))
    }

    fn policy(&self) -> &RateLimitPolicy {
        &self.inner.policy
    }
}

impl fmt::Debug for RedisRateLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRateLimiter")
            .field("policy", &self.inner.policy)
            .field("prefix", &self.prefix)
            .field("options", &self.inner.options)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::rate_limit::{RateLimitPolicy, Window};

    /// Collects the message and level of every event.
    #[derive(Default, Clone)]
    struct Capture(Arc<Mutex<Vec<(tracing::Level, String)>>>);

    impl tracing::Subscriber for Capture {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            struct Message<'a>(&'a mut String);
            impl tracing::field::Visit for Message<'_> {
                fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
                    use std::fmt::Write as _;
                    let _ = write!(self.0, "{}={:?} ", field.name(), value);
                }
            }
            let mut text = String::new();
            event.record(&mut Message(&mut text));
            // Only this crate's events: the Redis client may log its own.
            if event.metadata().target().starts_with("apishield") {
                self.0.lock().unwrap().push((*event.metadata().level(), text));
            }
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    /// A port where nothing listens: bind one, note it, let it go.
    fn dead_url() -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        format!("redis://127.0.0.1:{port}")
    }

    #[test]
    fn failing_open_logs_one_warning_per_outage_not_per_request() {
        let capture = Capture::default();
        let logs = capture.0.clone();
        let _guard = tracing::subscriber::set_default(capture);
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let options = RedisOptions::default().fail_mode(FailMode::Open).timeout(Duration::from_millis(200));
            let limiter = RedisRateLimiter::connect(&dead_url(), RateLimitPolicy::free(), options).await.unwrap();
            for _ in 0..5 {
                let d = limiter.check(&RateLimitKey::principal("u"), 1).await.unwrap();
                assert_eq!(d.outcome(), Outcome::Unchecked);
                assert!(d.is_allowed());
                assert_eq!(d.headers().len(), 1); // RateLimit-Policy only: nothing was counted
            }
        });
        let logs = logs.lock().unwrap();
        let warnings: Vec<_> = logs.iter().filter(|(level, _)| *level == tracing::Level::WARN).collect();
        assert_eq!(warnings.len(), 1, "{logs:?}");
        assert!(warnings[0].1.contains("failing open"), "{warnings:?}");
    }

    #[test]
    fn failing_closed_answers_503_with_retry_after() {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let policy = RateLimitPolicy::new(Default::default(), [Window::per_minute(5)]).unwrap();
            let options = RedisOptions::default()
                .timeout(Duration::from_millis(200))
                .unavailable_retry_after(Duration::from_millis(2500));
            let limiter = RedisRateLimiter::connect(&dead_url(), policy, options).await.unwrap();
            let key = |limiter: &RedisRateLimiter| limiter.redis_key(&RateLimitKey::principal("u"), 0).unwrap();
            assert!(key(&limiter).starts_with("apishield:rl:{principal:u}:"), "{}", key(&limiter));
            assert!(key(&limiter.clone().prefix("a{b}c:")).starts_with("abc:{principal:u}:"));
            let d = limiter.check(&RateLimitKey::principal("u"), 1).await.unwrap();
            assert_eq!(d.outcome(), Outcome::Unavailable);
            assert_eq!(d.rejection_status(), Some(503));
            assert_eq!(d.retry_after(), Some(Duration::from_millis(2500)));
            assert_eq!(d.headers()[0], ("Retry-After", "3".to_string()));
        });
    }

    #[test]
    fn construction_outside_tokio_is_an_error_not_a_panic() {
        let result = futures_lite_block_on(RedisRateLimiter::connect(
            "redis://127.0.0.1:1",
            RateLimitPolicy::free(),
            RedisOptions::default(),
        ));
        assert!(matches!(result, Err(ConnectError::NoRuntime)));
    }

    /// Polls a future that completes without waking (as `connect` outside a
    /// runtime does) on this thread, with no runtime around.
    fn futures_lite_block_on<F: Future>(fut: F) -> F::Output {
        use std::task::{Context, Poll, Waker};
        let mut fut = std::pin::pin!(fut);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }

    #[test]
    fn replies_of_the_wrong_shape_are_failures() {
        assert!(parse(&[1, 5, 1, 0, 0], 1).is_some());
        assert!(parse(&[1, 5, 1, 0], 1).is_none());
        assert!(parse(&[1, 5, -1, 0, 0], 1).is_none());
    }
}
