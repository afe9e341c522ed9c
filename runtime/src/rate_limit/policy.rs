//! What a limit is: one or more named windows (a quota per period), the
//! algorithm that enforces them, and the security reference's tiers.
//!
//! A policy is validated once, when it is built, so that the hot path never
//! meets a zero limit, a zero period or a product that overflows: every
//! quantity the algorithms multiply stays below 2^53 for the documented
//! ranges ([`MAX_QUOTA`], [`MAX_PERIOD`]), which is also what keeps the Redis
//! script (whose Lua numbers are doubles) exact.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use serde::Deserialize;

use super::decision::WindowStatus;

/// Most windows one policy may hold (per second, minute, hour and day).
pub const MAX_WINDOWS: usize = 4;
/// Largest quota (requests, or cost units, per window; also the largest
/// token-bucket burst).
pub const MAX_QUOTA: u32 = 1_000_000;
/// Longest window period, and longest time a token bucket may take to refill
/// from empty: 31 days.
pub const MAX_PERIOD: Duration = Duration::from_secs(31 * 24 * 3600);
/// Longest window name, in bytes.
pub const MAX_NAME_LEN: usize = 16;

const MAX_PERIOD_MS: u64 = 31 * 24 * 3600 * 1000;

/// How a policy's windows count requests. The default is
/// [`SlidingWindow`](Algorithm::SlidingWindow). In configuration:
/// `"token_bucket"`, `"sliding_window"`, `"sliding_log"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Algorithm {
    /// A bucket of `burst` tokens (the window's limit unless
    /// [`Window::burst`] says otherwise) refilled continuously at `limit`
    /// per period. Allows bursts while holding the average rate; over any
    /// span of time `d`, at most `burst + limit * d / period` units pass.
    /// One integer of state per window.
    TokenBucket,
    /// The weighted sliding counter: the current fixed window's count plus
    /// the previous window's count weighted by how much of it the sliding
    /// window still covers. Two counters of state per window; never more
    /// than `limit` in one aligned window, but, because it assumes the
    /// previous window's requests were spread evenly, up to (just under)
    /// twice `limit` in an unaligned one when they were not. Use
    /// [`SlidingLog`](Algorithm::SlidingLog) where that matters. A budget
    /// spent early in an aligned window comes back only once the next window
    /// has weighed it down, so a refused client can be told to wait longer
    /// than the period: up to a period and a `limit`-th of one.
    #[default]
    SlidingWindow,
    /// The exact sliding log: the time of every admitted unit in the last
    /// period (in Redis, a sorted set: `ZREMRANGEBYSCORE` + `ZCARD` +
    /// `ZADD`). Never more than `limit` in any window of the period's
    /// length; state grows with the limit (up to `limit` entries per key
    /// and window), so keep it for small limits.
    SlidingLog,
}

impl Algorithm {
    /// Short tag used in Redis key names.
    #[cfg(feature = "redis")]
    pub(crate) const fn tag(self) -> &'static str {
        match self {
            Algorithm::TokenBucket => "tb",
            Algorithm::SlidingWindow => "sw",
            Algorithm::SlidingLog => "sl",
        }
    }

    /// Number the Redis script dispatches on (and the policy id hashes).
    pub(crate) const fn code(self) -> u8 {
        match self {
            Algorithm::TokenBucket => 1,
            Algorithm::SlidingWindow => 2,
            Algorithm::SlidingLog => 3,
        }
    }
}

/// The name of a window, as the `RateLimit-Policy` and `RateLimit` headers
/// carry it: 1 to [`MAX_NAME_LEN`] bytes of ASCII letters, digits, `-`, `_`
/// and `.` (so it needs no escaping in a structured-field string nor in a
/// Redis key). Stored inline: a decision copies names without allocating.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct WindowName {
    len: u8,
    bytes: [u8; MAX_NAME_LEN],
}

impl WindowName {
    /// `name` if it is a valid window name.
    pub fn new(name: &str) -> Option<WindowName> {
        let valid = !name.is_empty()
            && name.len() <= MAX_NAME_LEN
            && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        valid.then(|| WindowName::from_valid(name))
    }

    /// For names known to be valid (the tiers'); longer input is truncated.
    const fn from_valid(name: &str) -> WindowName {
        let src = name.as_bytes();
        let mut bytes = [0u8; MAX_NAME_LEN];
        let mut i = 0;
        while i < src.len() && i < MAX_NAME_LEN {
            bytes[i] = src[i];
            i += 1;
        }
        WindowName { len: i as u8, bytes }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        // Built only from validated ASCII, so this never takes the fallback.
        std::str::from_utf8(&self.bytes[..usize::from(self.len)]).unwrap_or("")
    }
}

impl fmt::Debug for WindowName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for WindowName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One window of a policy: at most `limit` units per `period`, under a name
/// the headers use. Built freely; checked when it goes into a
/// [`RateLimitPolicy`].
///
/// ```
/// use std::time::Duration;
/// use apishield::rate_limit::Window;
///
/// let minute = Window::per_minute(60);
/// let burst = Window::new("burst", 10, Duration::from_secs(1)).burst(100); // token bucket only
/// assert_eq!(minute.name(), "minute");
/// assert_eq!(burst.burst_capacity(), 100);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Window {
    name: Cow<'static, str>,
    limit: u32,
    period: Duration,
    burst: Option<u32>,
}

impl Window {
    /// `limit` units per `period`, named `name`.
    pub fn new(name: impl Into<Cow<'static, str>>, limit: u32, period: Duration) -> Window {
        Window { name: name.into(), limit, period, burst: None }
    }

    /// `limit` per second, named `"second"`.
    pub const fn per_second(limit: u32) -> Window {
        Window::named("second", limit, 1)
    }

    /// `limit` per minute, named `"minute"`.
    pub const fn per_minute(limit: u32) -> Window {
        Window::named("minute", limit, 60)
    }

    /// `limit` per hour, named `"hour"`.
    pub const fn per_hour(limit: u32) -> Window {
        Window::named("hour", limit, 3600)
    }

    /// `limit` per day, named `"day"`.
    pub const fn per_day(limit: u32) -> Window {
        Window::named("day", limit, 86_400)
    }

    const fn named(name: &'static str, limit: u32, secs: u64) -> Window {
        Window { name: Cow::Borrowed(name), limit, period: Duration::from_secs(secs), burst: None }
    }

    /// The same window under another name.
    #[must_use]
    pub fn rename(mut self, name: impl Into<Cow<'static, str>>) -> Window {
        self.name = name.into();
        self
    }

    /// Token bucket only: the bucket holds `capacity` tokens (default: the
    /// limit) and refills at `limit` per period. The reference's "capacity
    /// 100, 10 per second" is `Window::per_second(10).burst(100)`. A policy
    /// with another algorithm refuses a window with a burst.
    #[must_use]
    pub fn burst(mut self, capacity: u32) -> Window {
        self.burst = Some(capacity);
        self
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Units per period.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// The period.
    pub fn period(&self) -> Duration {
        self.period
    }

    /// The token bucket's capacity: the burst if one was set, else the
    /// limit.
    pub fn burst_capacity(&self) -> u32 {
        self.burst.unwrap_or(self.limit)
    }
}

/// Why a policy was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyError {
    /// A policy needs at least one window.
    NoWindows,
    /// More than [`MAX_WINDOWS`] windows.
    TooManyWindows(usize),
    /// A name that is empty, longer than [`MAX_NAME_LEN`] bytes, or has a
    /// byte other than ASCII letters, digits, `-`, `_` and `.`.
    InvalidName(String),
    /// Two windows with one name (the headers could not tell them apart).
    DuplicateName(String),
    /// A limit of zero, or above [`MAX_QUOTA`].
    LimitOutOfRange {
        /// The window.
        window: String,
        /// Its limit.
        limit: u32,
    },
    /// A period shorter than 1 ms or longer than [`MAX_PERIOD`].
    PeriodOutOfRange {
        /// The window.
        window: String,
    },
    /// A burst of zero, above [`MAX_QUOTA`], or so large that refilling it
    /// takes longer than [`MAX_PERIOD`].
    BurstOutOfRange {
        /// The window.
        window: String,
        /// Its burst.
        burst: u32,
    },
    /// A burst on a window of a policy that is not a token bucket.
    BurstNeedsTokenBucket {
        /// The window.
        window: String,
    },
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyError::NoWindows => f.write_str("a rate-limit policy needs at least one window"),
            PolicyError::TooManyWindows(n) => {
                write!(f, "a rate-limit policy has at most {MAX_WINDOWS} windows, this one has {n}")
            }
            PolicyError::InvalidName(name) => {
                write!(f, "window name {name:?} must be 1 to {MAX_NAME_LEN} ASCII letters, digits, '-', '_' or '.'")
            }
            PolicyError::DuplicateName(name) => write!(f, "two windows are named {name:?}"),
            PolicyError::LimitOutOfRange { window, limit } => {
                write!(f, "window {window:?}: limit {limit} is not in 1..={MAX_QUOTA}")
            }
            PolicyError::PeriodOutOfRange { window } => {
                write!(f, "window {window:?}: the period must be between 1 ms and 31 days")
            }
            PolicyError::BurstOutOfRange { window, burst } => {
                write!(f, "window {window:?}: burst {burst} must be in 1..={MAX_QUOTA} and refill within 31 days")
            }
            PolicyError::BurstNeedsTokenBucket { window } => {
                write!(f, "window {window:?}: a burst only means something to a token bucket")
            }
        }
    }
}

impl std::error::Error for PolicyError {}

/// A validated window in the form the algorithms use: `rate` units per
/// `period_ms`, bucket `capacity` (the limit for the sliding algorithms).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Spec {
    pub(crate) name: WindowName,
    /// Units per period (R).
    pub(crate) rate: u64,
    /// The period in milliseconds (P), 1..=31 days.
    pub(crate) period_ms: u64,
    /// The most units the window ever has available (C): the burst for a
    /// token bucket, the limit otherwise.
    pub(crate) capacity: u64,
    /// `w` of `RateLimit-Policy`: the period in whole seconds (at least 1);
    /// for a token bucket, the time to refill it from empty.
    pub(crate) window_secs: u64,
}

impl Spec {
    const fn new(name: WindowName, rate: u32, period_ms: u64, capacity: u32, token_bucket: bool) -> Spec {
        let span_ms = if token_bucket {
            // Time to refill the whole bucket: capacity * period / rate.
            (capacity as u64 * period_ms).div_ceil(rate as u64)
        } else {
            period_ms
        };
        let secs = span_ms.div_ceil(1000);
        Spec {
            name,
            rate: rate as u64,
            period_ms,
            capacity: capacity as u64,
            window_secs: if secs == 0 { 1 } else { secs },
        }
    }
}

/// The windows of a policy, inline, and the blank report of each that a
/// decision starts from (copied whole: cheaper than building it per check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Specs {
    len: u8,
    items: [Spec; MAX_WINDOWS],
    blank: [WindowStatus; MAX_WINDOWS],
}

impl Specs {
    fn new(items: [Spec; MAX_WINDOWS], len: usize) -> Specs {
        let blank = items.map(|spec| WindowStatus::new(&spec, None));
        Specs { len: len as u8, items, blank }
    }

    #[inline]
    pub(crate) fn as_slice(&self) -> &[Spec] {
        &self.items[..usize::from(self.len)]
    }
}

/// What a [`RateLimiter`](super::RateLimiter) enforces for every key: one
/// or more windows, all of which must allow a request for it to pass, and
/// the algorithm.
///
/// The tiers of the security reference are ready-made (with the default
/// algorithm, [`Algorithm::SlidingWindow`]); [`RateLimitPolicy::tier`] takes
/// another algorithm.
///
/// | tier | per minute | per hour |
/// | --- | --- | --- |
/// | [`unauthenticated`](RateLimitPolicy::unauthenticated) | 20 | 100 |
/// | [`free`](RateLimitPolicy::free) | 60 | 1000 |
/// | [`paid`](RateLimitPolicy::paid) | 300 | 10000 |
///
/// ```
/// use std::time::Duration;
/// use apishield::rate_limit::{Algorithm, RateLimitPolicy, Window};
///
/// let free = RateLimitPolicy::free();
/// assert_eq!(free.policy_header(), r#""minute";q=60;w=60, "hour";q=1000;w=3600"#);
///
/// let api = RateLimitPolicy::new(
///     Algorithm::TokenBucket,
///     [Window::per_second(10).burst(100), Window::per_day(50_000)],
/// )?;
/// assert_eq!(api.policy_header(), r#""second";q=100;w=10, "day";q=50000;w=86400"#);
///
/// assert!(RateLimitPolicy::new(Algorithm::SlidingLog, [Window::per_minute(0)]).is_err());
/// # Ok::<(), apishield::rate_limit::PolicyError>(())
/// ```
///
/// From configuration (serde), through [`RateLimitPolicy::new`] and so with
/// its rules and its errors; see [`RateLimitPolicySpec`]:
///
/// ```
/// use apishield::rate_limit::RateLimitPolicy;
///
/// let api: RateLimitPolicy = serde_json::from_str(
///     r#"{"algorithm": "token_bucket", "windows": [{"name": "second", "limit": 10, "period": "1s", "burst": 100}]}"#,
/// )?;
/// assert_eq!(api.policy_header(), r#""second";q=100;w=10"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RateLimitPolicySpec")]
pub struct RateLimitPolicy {
    algorithm: Algorithm,
    windows: Vec<Window>,
    specs: Specs,
}

impl RateLimitPolicy {
    /// A policy of `windows` (1 to [`MAX_WINDOWS`]) enforced by `algorithm`.
    /// Limits are 1..=[`MAX_QUOTA`], periods 1 ms..=[`MAX_PERIOD`], names
    /// valid [`WindowName`]s and distinct; bursts only for token buckets.
    pub fn new(algorithm: Algorithm, windows: impl IntoIterator<Item = Window>) -> Result<Self, PolicyError> {
        let windows: Vec<Window> = windows.into_iter().collect();
        if windows.is_empty() {
            return Err(PolicyError::NoWindows);
        }
        if windows.len() > MAX_WINDOWS {
            return Err(PolicyError::TooManyWindows(windows.len()));
        }
        let token_bucket = algorithm == Algorithm::TokenBucket;
        let placeholder = Spec::new(WindowName::from_valid("_"), 1, 1, 1, false);
        let mut items = [placeholder; MAX_WINDOWS];
        for (i, w) in windows.iter().enumerate() {
            let name = WindowName::new(&w.name).ok_or_else(|| PolicyError::InvalidName(w.name.to_string()))?;
            if windows[..i].iter().any(|other| other.name == w.name) {
                return Err(PolicyError::DuplicateName(w.name.to_string()));
            }
            if w.limit == 0 || w.limit > MAX_QUOTA {
                return Err(PolicyError::LimitOutOfRange { window: w.name.to_string(), limit: w.limit });
            }
            let period_ms = u64::try_from(w.period.as_millis()).unwrap_or(u64::MAX);
            if period_ms == 0 || period_ms > MAX_PERIOD_MS {
                return Err(PolicyError::PeriodOutOfRange { window: w.name.to_string() });
            }
            if let Some(burst) = w.burst {
                if !token_bucket {
                    return Err(PolicyError::BurstNeedsTokenBucket { window: w.name.to_string() });
                }
                let refill_ms = (u64::from(burst) * period_ms).div_ceil(u64::from(w.limit));
                if burst == 0 || burst > MAX_QUOTA || refill_ms > MAX_PERIOD_MS {
                    return Err(PolicyError::BurstOutOfRange { window: w.name.to_string(), burst });
                }
            }
            items[i] = Spec::new(name, w.limit, period_ms, w.burst_capacity(), token_bucket);
        }
        let specs = Specs::new(items, windows.len());
        Ok(RateLimitPolicy { algorithm, windows, specs })
    }

    /// One of the reference's tiers, enforced by `algorithm`.
    pub fn tier(tier: Tier, algorithm: Algorithm) -> Self {
        let [(m_name, m_limit, m_secs), (h_name, h_limit, h_secs)] = tier.limits();
        let token_bucket = algorithm == Algorithm::TokenBucket;
        let placeholder = Spec::new(WindowName::from_valid("_"), 1, 1, 1, false);
        let mut items = [placeholder; MAX_WINDOWS];
        items[0] = Spec::new(WindowName::from_valid(m_name), m_limit, m_secs * 1000, m_limit, token_bucket);
        items[1] = Spec::new(WindowName::from_valid(h_name), h_limit, h_secs * 1000, h_limit, token_bucket);
        RateLimitPolicy { algorithm, windows: tier.windows().to_vec(), specs: Specs::new(items, 2) }
    }

    /// 20 per minute and 100 per hour: clients without credentials, keyed
    /// by IP.
    pub fn unauthenticated() -> Self {
        Tier::Unauthenticated.policy()
    }

    /// 60 per minute and 1000 per hour: authenticated clients of the free
    /// plan.
    pub fn free() -> Self {
        Tier::Free.policy()
    }

    /// 300 per minute and 10000 per hour: authenticated clients of a paid
    /// plan.
    pub fn paid() -> Self {
        Tier::Paid.policy()
    }

    /// The algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The windows, in the order given.
    pub fn windows(&self) -> &[Window] {
        &self.windows
    }

    /// The largest cost one request may have: the smallest capacity among
    /// the windows. A request costing more could never pass, and is an
    /// error rather than a 429.
    pub fn max_cost(&self) -> u32 {
        let min = self.specs().iter().map(|s| s.capacity).min().unwrap_or(0);
        u32::try_from(min).unwrap_or(u32::MAX)
    }

    /// The `RateLimit-Policy` field value (draft-ietf-httpapi-ratelimit-headers-10,
    /// a structured-field List): `"name";q=quota;w=seconds` per window, in
    /// order. `q` is the window's capacity; `w` its period in whole seconds
    /// (at least 1), or, for a token bucket, the time it takes to refill
    /// from empty, so that `q` per `w` is both the burst and the rate.
    pub fn policy_header(&self) -> String {
        let mut out = String::with_capacity(32 * self.specs().len());
        for (i, s) in self.specs().iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            use fmt::Write as _;
            let _ = write!(out, "\"{}\";q={};w={}", s.name, s.capacity, s.window_secs);
        }
        out
    }

    /// A stable identity of what this policy enforces: 16 hex digits of a
    /// SHA-256 over the algorithm and every window's name, limit, period
    /// and burst, in order.
    ///
    /// Equal policies have equal ids in every process and every release
    /// that keeps this format; policies that count differently have
    /// different ids. The Redis limiter puts it in its key names, so a
    /// login limit of 5 per minute and a search limit of 100 per minute on
    /// one key prefix never count in one Redis key, while two servers with
    /// the same policy still share one budget.
    ///
    /// ```
    /// use apishield::rate_limit::{RateLimitPolicy, Window};
    ///
    /// let login = RateLimitPolicy::new(Default::default(), [Window::per_minute(5)])?;
    /// let search = RateLimitPolicy::new(Default::default(), [Window::per_minute(100)])?;
    /// assert_ne!(login.id(), search.id());
    /// assert_eq!(login.id(), login.clone().id());
    /// assert_eq!(login.id().len(), 16);
    /// # Ok::<(), apishield::rate_limit::PolicyError>(())
    /// ```
    pub fn id(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        // Versioned and length-prefixed, so no two policies share an encoding.
        hasher.update(b"apishield-rate-limit-policy-v1");
        hasher.update([self.algorithm.code()]);
        for s in self.specs() {
            let name = s.name.as_str().as_bytes();
            hasher.update([name.len() as u8]);
            hasher.update(name);
            for n in [s.rate, s.period_ms, s.capacity] {
                hasher.update(n.to_be_bytes());
            }
        }
        hex::encode(&hasher.finalize()[..8])
    }

    #[inline]
    pub(crate) fn specs(&self) -> &[Spec] {
        self.specs.as_slice()
    }

    /// Every window's report with nothing counted, for `MAX_WINDOWS` slots.
    #[inline]
    pub(crate) fn blank_statuses(&self) -> &[WindowStatus; MAX_WINDOWS] {
        &self.specs.blank
    }
}

/// A [`RateLimitPolicy`] as configuration gives it, before it is checked:
/// what a policy deserializes from (unknown fields refused). Turned into a
/// policy by [`RateLimitPolicy::new`] (`TryFrom`), so a configured policy
/// passes the same rules and fails with the same [`PolicyError`]s as one
/// built in code.
///
/// ```toml
/// algorithm = "token_bucket"        # or "sliding_window" (the default), "sliding_log"
/// windows = [
///     { name = "second", limit = 10, period = "1s", burst = 100 },
///     { name = "day", limit = 50000, period = 86400 },
/// ]
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RateLimitPolicySpec {
    /// The algorithm (default [`Algorithm::SlidingWindow`]).
    #[serde(default)]
    pub algorithm: Algorithm,
    /// The windows, in order.
    pub windows: Vec<WindowSpec>,
}

/// One window of a [`RateLimitPolicySpec`]: a [`Window`] before it is
/// checked.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct WindowSpec {
    /// The window's name ([`WindowName`] rules).
    pub name: String,
    /// Units per period.
    pub limit: u32,
    /// The period: whole seconds (`60`) or a duration string (`"1m"`,
    /// `"1h30m"`, `"1d"`; units `s`, `m`, `h`, `d`).
    #[serde(deserialize_with = "crate::config::duration")]
    pub period: Duration,
    /// Token bucket only: the bucket's capacity ([`Window::burst`]).
    #[serde(default)]
    pub burst: Option<u32>,
}

impl From<WindowSpec> for Window {
    fn from(spec: WindowSpec) -> Window {
        let window = Window::new(spec.name, spec.limit, spec.period);
        match spec.burst {
            Some(burst) => window.burst(burst),
            None => window,
        }
    }
}

impl TryFrom<RateLimitPolicySpec> for RateLimitPolicy {
    type Error = PolicyError;

    fn try_from(spec: RateLimitPolicySpec) -> Result<Self, PolicyError> {
        RateLimitPolicy::new(spec.algorithm, spec.windows.into_iter().map(Window::from))
    }
}

/// The named tiers of the security reference.
///
/// | tier | per minute | per hour | meant for |
/// | --- | --- | --- | --- |
/// | `Unauthenticated` | 20 | 100 | requests without credentials, keyed by client IP |
/// | `Free` | 60 | 1000 | authenticated clients of the free plan |
/// | `Paid` | 300 | 10000 | authenticated clients of a paid plan |
///
/// Windows are named `"minute"` and `"hour"`. A server keeps one limiter per
/// tier and picks it per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tier {
    /// 20 per minute, 100 per hour.
    Unauthenticated,
    /// 60 per minute, 1000 per hour.
    Free,
    /// 300 per minute, 10000 per hour.
    Paid,
}

impl Tier {
    const fn limits(self) -> [(&'static str, u32, u64); 2] {
        let (minute, hour) = match self {
            Tier::Unauthenticated => (20, 100),
            Tier::Free => (60, 1000),
            Tier::Paid => (300, 10_000),
        };
        [("minute", minute, 60), ("hour", hour, 3600)]
    }

    /// The tier's two windows.
    pub const fn windows(self) -> [Window; 2] {
        let [(_, minute, _), (_, hour, _)] = self.limits();
        [Window::per_minute(minute), Window::per_hour(hour)]
    }

    /// The tier with the default algorithm ([`Algorithm::SlidingWindow`]).
    pub fn policy(self) -> RateLimitPolicy {
        RateLimitPolicy::tier(self, Algorithm::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tiers_are_what_validation_would_build() {
        for tier in [Tier::Unauthenticated, Tier::Free, Tier::Paid] {
            for algorithm in [Algorithm::TokenBucket, Algorithm::SlidingWindow, Algorithm::SlidingLog] {
                let checked = RateLimitPolicy::new(algorithm, tier.windows()).unwrap();
                assert_eq!(RateLimitPolicy::tier(tier, algorithm), checked);
            }
        }
        assert_eq!(RateLimitPolicy::unauthenticated().policy_header(), r#""minute";q=20;w=60, "hour";q=100;w=3600"#);
        assert_eq!(RateLimitPolicy::paid().policy_header(), r#""minute";q=300;w=60, "hour";q=10000;w=3600"#);
        assert_eq!(RateLimitPolicy::free().max_cost(), 60);
    }

    #[test]
    fn invalid_policies_are_refused() {
        use Algorithm::*;
        let e = |a, w: Vec<Window>| RateLimitPolicy::new(a, w).unwrap_err();
        assert_eq!(e(SlidingWindow, vec![]), PolicyError::NoWindows);
        let five = (1..=5).map(|i| Window::per_minute(1).rename(format!("w{i}"))).collect();
        assert_eq!(e(SlidingWindow, five), PolicyError::TooManyWindows(5));
        assert!(matches!(e(SlidingWindow, vec![Window::per_minute(1).rename("a b")]), PolicyError::InvalidName(_)));
        assert!(matches!(e(SlidingWindow, vec![Window::per_minute(1).rename("\"x")]), PolicyError::InvalidName(_)));
        assert!(matches!(
            e(SlidingWindow, vec![Window::per_minute(1).rename("x".repeat(17))]),
            PolicyError::InvalidName(_)
        ));
        assert!(matches!(
            e(SlidingWindow, vec![Window::per_minute(1), Window::per_hour(2).rename("minute")]),
            PolicyError::DuplicateName(_)
        ));
        assert!(matches!(e(SlidingWindow, vec![Window::per_minute(0)]), PolicyError::LimitOutOfRange { .. }));
        assert!(matches!(
            e(SlidingWindow, vec![Window::per_minute(MAX_QUOTA + 1)]),
            PolicyError::LimitOutOfRange { .. }
        ));
        assert!(matches!(
            e(SlidingLog, vec![Window::new("z", 1, Duration::from_micros(10))]),
            PolicyError::PeriodOutOfRange { .. }
        ));
        assert!(matches!(
            e(SlidingLog, vec![Window::new("z", 1, MAX_PERIOD + Duration::from_millis(1))]),
            PolicyError::PeriodOutOfRange { .. }
        ));
        assert!(matches!(
            e(SlidingWindow, vec![Window::per_minute(1).burst(5)]),
            PolicyError::BurstNeedsTokenBucket { .. }
        ));
        assert!(matches!(e(TokenBucket, vec![Window::per_minute(1).burst(0)]), PolicyError::BurstOutOfRange { .. }));
        // 1000 tokens at one per day take longer than 31 days to refill.
        assert!(matches!(e(TokenBucket, vec![Window::per_day(1).burst(1000)]), PolicyError::BurstOutOfRange { .. }));
        assert!(RateLimitPolicy::new(SlidingLog, [Window::new("z", MAX_QUOTA, MAX_PERIOD)]).is_ok());
    }

    #[test]
    fn token_bucket_windows_advertise_their_refill_time() {
        let p = RateLimitPolicy::new(Algorithm::TokenBucket, [Window::per_second(10).burst(100)]).unwrap();
        assert_eq!(p.policy_header(), r#""second";q=100;w=10"#);
        // Sub-second windows still advertise w >= 1 (the draft has no fractions).
        let p = RateLimitPolicy::new(Algorithm::SlidingWindow, [Window::new("tick", 5, Duration::from_millis(250))])
            .unwrap();
        assert_eq!(p.policy_header(), r#""tick";q=5;w=1"#);
        assert_eq!(WindowName::new("per-min_1.x").unwrap().as_str(), "per-min_1.x");
        assert!(WindowName::new("").is_none());
    }
}
