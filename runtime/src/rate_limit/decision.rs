//! A limiter's answer, and the response headers that carry it.

use std::fmt::Write as _;
use std::time::Duration;

use super::algorithm::{Results, WindowResult};
use super::policy::{MAX_WINDOWS, RateLimitPolicy, Spec, WindowName};

/// `X-RateLimit-Limit`: the quota of the most restrictive window.
pub const X_RATELIMIT_LIMIT: &str = "X-RateLimit-Limit";
/// `X-RateLimit-Remaining`: units left in the most restrictive window.
pub const X_RATELIMIT_REMAINING: &str = "X-RateLimit-Remaining";
/// `X-RateLimit-Reset`: Unix time (seconds) at which more units are
/// available in the most restrictive window.
pub const X_RATELIMIT_RESET: &str = "X-RateLimit-Reset";
/// `Retry-After`: seconds to wait, on a 429 or a 503.
pub const RETRY_AFTER: &str = "Retry-After";
/// `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers-10): every
/// window's quota and length.
pub const RATELIMIT_POLICY: &str = "RateLimit-Policy";
/// `RateLimit` (draft-ietf-httpapi-ratelimit-headers-10): remaining units
/// and reset of the most restrictive window.
pub const RATELIMIT: &str = "RateLimit";

/// What a limiter decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Outcome {
    /// Every window had room; the request was counted. Serve it.
    Allowed,
    /// A window had no room; nothing was counted. Answer 429 Too Many
    /// Requests.
    Limited,
    /// The backend could not be asked and the limiter fails closed. Answer
    /// 503 Service Unavailable.
    Unavailable,
    /// The backend could not be asked and the limiter fails open: serve the
    /// request, uncounted (a warning was logged).
    Unchecked,
}

/// One window's part in a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowStatus {
    name: WindowName,
    quota: u32,
    window_secs: u64,
    counted: Option<WindowResult>,
}

impl WindowStatus {
    pub(crate) fn new(spec: &Spec, counted: Option<WindowResult>) -> WindowStatus {
        WindowStatus {
            name: spec.name,
            quota: u32::try_from(spec.capacity).unwrap_or(u32::MAX),
            window_secs: spec.window_secs,
            counted,
        }
    }

    /// The window's name.
    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// Its quota (`q`): the limit, or a token bucket's capacity.
    pub fn quota(&self) -> u32 {
        self.quota
    }

    /// Its length as advertised (`w`), in whole seconds.
    pub fn window(&self) -> Duration {
        Duration::from_secs(self.window_secs)
    }

    /// Units left after this decision; `None` when the backend could not be
    /// asked.
    pub fn remaining(&self) -> Option<u32> {
        self.counted.map(|c| u32::try_from(c.remaining).unwrap_or(u32::MAX))
    }

    /// Time until more units are available (zero when the window is full);
    /// `None` when the backend could not be asked.
    pub fn reset_after(&self) -> Option<Duration> {
        self.counted.map(|c| Duration::from_millis(c.reset_after_ms))
    }

    /// When this window refused the request: the time until it would have
    /// room for it.
    pub fn retry_after(&self) -> Option<Duration> {
        self.counted.filter(|c| c.retry_after_ms > 0).map(|c| Duration::from_millis(c.retry_after_ms))
    }
}

/// A limiter's answer for one request: the [`Outcome`], every window's
/// state, and the response headers that tell the client.
///
/// Two families of headers are rendered, both for the window closest to
/// refusing (the "most restrictive": on a refusal, the refusing window that
/// frees up last; otherwise the one with the fewest units left, the one
/// that refills last on a tie):
///
/// * the de-facto `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
///   `X-RateLimit-Reset` (a Unix time in seconds), as in the security
///   reference, plus `Retry-After` (seconds) on a 429 or 503;
/// * the IETF httpapi fields of draft-ietf-httpapi-ratelimit-headers-10,
///   structured-field Lists (RFC 9651): `RateLimit-Policy` lists every
///   window (`"minute";q=60;w=60, "hour";q=1000;w=3600`) and `RateLimit`
///   reports the most restrictive one (`"minute";r=45;t=30`).
///
/// The reset (`t`, and `X-RateLimit-Reset`) is, as draft -10 defines `t`,
/// the time until *more* quota is available: one more token for a bucket,
/// the expiry of the oldest entry for a log. It is rounded up, like
/// `Retry-After`, so that a client that waits as told is never refused for
/// having come back a fraction of a second early; on a refusal it is never
/// later than `Retry-After`, as the draft asks.
///
/// A limiting layer serves the request when [`is_allowed`] says so, and
/// otherwise answers with [`rejection_status`] (429, or 503 from a Redis
/// limiter that fails closed); in both cases it adds [`headers`].
///
/// [`is_allowed`]: RateLimitDecision::is_allowed
/// [`rejection_status`]: RateLimitDecision::rejection_status
/// [`headers`]: RateLimitDecision::headers
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimitDecision {
    outcome: Outcome,
    now_ms: u64,
    /// Only for `Unavailable`: the configured advice.
    unavailable_retry_ms: u64,
    len: u8,
    windows: [WindowStatus; MAX_WINDOWS],
}

impl RateLimitDecision {
    /// From the algorithms' results.
    #[inline]
    pub(crate) fn counted(policy: &RateLimitPolicy, allowed: bool, now_ms: u64, results: &Results) -> Self {
        let mut windows = *policy.blank_statuses();
        let len = policy.specs().len();
        for (w, r) in windows.iter_mut().zip(results).take(len) {
            w.counted = Some(*r);
        }
        let outcome = if allowed { Outcome::Allowed } else { Outcome::Limited };
        RateLimitDecision { outcome, now_ms, unavailable_retry_ms: 0, len: len as u8, windows }
    }

    /// The backend could not be asked.
    #[cfg(any(feature = "redis", test))]
    pub(crate) fn uncounted(policy: &RateLimitPolicy, outcome: Outcome, now_ms: u64, retry_after_ms: u64) -> Self {
        let len = policy.specs().len() as u8;
        RateLimitDecision {
            outcome,
            now_ms,
            unavailable_retry_ms: retry_after_ms,
            len,
            windows: *policy.blank_statuses(),
        }
    }

    /// What was decided.
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    /// Whether to serve the request ([`Outcome::Allowed`] or
    /// [`Outcome::Unchecked`]).
    pub fn is_allowed(&self) -> bool {
        matches!(self.outcome, Outcome::Allowed | Outcome::Unchecked)
    }

    /// The status to answer a refused request with: 429 when a window is
    /// full, 503 when the backend could not be asked; `None` when the
    /// request is allowed.
    pub fn rejection_status(&self) -> Option<u16> {
        match self.outcome {
            Outcome::Allowed | Outcome::Unchecked => None,
            Outcome::Limited => Some(429),
            Outcome::Unavailable => Some(503),
        }
    }

    /// Every window of the policy, in order.
    pub fn windows(&self) -> &[WindowStatus] {
        &self.windows[..usize::from(self.len)]
    }

    /// The window the headers report: on a refusal, the refusing window that
    /// frees up last; otherwise the one with the fewest units left (on a
    /// tie, the one whose reset is furthest). `None` when nothing was
    /// counted.
    pub fn most_restrictive(&self) -> Option<&WindowStatus> {
        let counted = self.windows().iter().filter_map(|w| w.counted.map(|c| (w, c)));
        let pick = if self.outcome == Outcome::Limited {
            counted.filter(|(_, c)| c.retry_after_ms > 0).max_by_key(|(_, c)| c.retry_after_ms)
        } else {
            counted.min_by(|(_, a), (_, b)| a.remaining.cmp(&b.remaining).then(b.reset_after_ms.cmp(&a.reset_after_ms)))
        };
        pick.map(|(w, _)| w)
    }

    /// The names of the windows that refused the request (empty unless
    /// [`Outcome::Limited`]): the `violated-policies` of the draft's
    /// `quota-exceeded` problem type, for a 429's problem+json body.
    pub fn violated_windows(&self) -> impl Iterator<Item = &str> {
        let limited = self.outcome == Outcome::Limited;
        self.windows().iter().filter(move |w| limited && w.retry_after().is_some()).map(WindowStatus::name)
    }

    /// The decision's time, in milliseconds since the Unix epoch (the Redis
    /// server's time for the Redis limiter).
    pub fn now_unix_ms(&self) -> u64 {
        self.now_ms
    }

    /// The most restrictive window's quota.
    pub fn limit(&self) -> Option<u32> {
        self.most_restrictive().map(WindowStatus::quota)
    }

    /// The most restrictive window's remaining units.
    pub fn remaining(&self) -> Option<u32> {
        self.most_restrictive().and_then(WindowStatus::remaining)
    }

    /// Time until the most restrictive window has more units.
    pub fn reset_after(&self) -> Option<Duration> {
        self.most_restrictive().and_then(WindowStatus::reset_after)
    }

    /// `X-RateLimit-Reset`: the Unix time, in whole seconds rounded up, at
    /// which the most restrictive window has more units.
    pub fn reset_at_unix_secs(&self) -> Option<u64> {
        let w = self.most_restrictive()?.counted?;
        Some(self.now_ms.saturating_add(w.reset_after_ms).div_ceil(1000))
    }

    /// How long a refused client should wait: until every window has room
    /// for the request (429), or the configured advice (503). `None` when
    /// the request is allowed.
    pub fn retry_after(&self) -> Option<Duration> {
        match self.outcome {
            Outcome::Limited => self.most_restrictive().and_then(WindowStatus::retry_after),
            Outcome::Unavailable => Some(Duration::from_millis(self.unavailable_retry_ms)),
            Outcome::Allowed | Outcome::Unchecked => None,
        }
    }

    /// The `RateLimit-Policy` value: every window as `"name";q=Q;w=W`.
    pub fn policy_header(&self) -> String {
        let mut out = String::with_capacity(32 * usize::from(self.len));
        for (i, w) in self.windows().iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "\"{}\";q={};w={}", w.name, w.quota, w.window_secs);
        }
        out
    }

    /// The `RateLimit` value for the most restrictive window:
    /// `"name";r=R;t=T`. `None` when nothing was counted.
    pub fn rate_limit_header(&self) -> Option<String> {
        let w = self.most_restrictive()?;
        let c = w.counted?;
        // Written by hand, not `format!`: it is built on every request.
        let mut value = String::with_capacity(w.name.as_str().len() + 32);
        value.push('"');
        value.push_str(w.name.as_str());
        value.push_str("\";r=");
        let mut digits = itoa::Buffer::new();
        value.push_str(digits.format(c.remaining));
        value.push_str(";t=");
        value.push_str(digits.format(c.reset_after_ms.div_ceil(1000)));
        Some(value)
    }

    /// The response headers, as `(name, value)` pairs in this order:
    /// `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`
    /// (when counted), `Retry-After` (on a 429 or 503; whole seconds, at
    /// least 1), `RateLimit-Policy` (always), `RateLimit` (when counted).
    ///
    /// ```
    /// use apishield::rate_limit::{MemoryRateLimiter, RateLimitKey, RateLimitPolicy};
    /// use apishield::time::ManualClock;
    ///
    /// let clock = ManualClock::new(1_620_000_000_000);
    /// let limiter = MemoryRateLimiter::with_clock(RateLimitPolicy::free(), clock);
    /// let key = RateLimitKey::principal("user-1");
    /// for _ in 0..15 {
    ///     limiter.check_now(&key, 1)?;
    /// }
    /// let decision = limiter.check_now(&key, 1)?;
    /// // 16 of 60 used this minute. The sliding window frees its next unit
    /// // after the minute is over, as this minute's weight starts to fall.
    /// assert_eq!(decision.headers(), [
    ///     ("X-RateLimit-Limit", "60".to_string()),
    ///     ("X-RateLimit-Remaining", "44".to_string()),
    ///     ("X-RateLimit-Reset", "1620000064".to_string()),
    ///     ("RateLimit-Policy", r#""minute";q=60;w=60, "hour";q=1000;w=3600"#.to_string()),
    ///     ("RateLimit", r#""minute";r=44;t=64"#.to_string()),
    /// ]);
    /// # Ok::<(), apishield::rate_limit::RateLimitError>(())
    /// ```
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut h = Vec::with_capacity(6);
        if let (Some(w), Some(reset_at)) = (self.most_restrictive(), self.reset_at_unix_secs()) {
            h.push((X_RATELIMIT_LIMIT, w.quota.to_string()));
            h.push((X_RATELIMIT_REMAINING, w.remaining().unwrap_or(0).to_string()));
            h.push((X_RATELIMIT_RESET, reset_at.to_string()));
        }
        if let Some(wait) = self.retry_after() {
            let secs = u64::try_from(wait.as_millis().div_ceil(1000)).unwrap_or(u64::MAX).max(1);
            h.push((RETRY_AFTER, secs.to_string()));
        }
        h.push((RATELIMIT_POLICY, self.policy_header()));
        if let Some(v) = self.rate_limit_header() {
            h.push((RATELIMIT, v));
        }
        h
    }
}

#[cfg(feature = "http")]
mod http_impl {
    use std::ops::Range;

    use bytes::Bytes;
    use http::header::{HeaderMap, HeaderName, HeaderValue};

    use super::super::policy::MAX_NAME_LEN;

    use super::*;

    const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
    const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
    const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
    const POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");
    const RATE_LIMIT: HeaderName = HeaderName::from_static("ratelimit");

    impl RateLimitDecision {
        /// Sets the decision's headers on `headers`, replacing values of the
        /// same names.
        #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
        pub fn write_headers(&self, headers: &mut HeaderMap) {
            match HeaderValue::try_from(self.policy_header()) {
                Ok(policy) => self.write_headers_with_policy(headers, &policy),
                Err(_) => self.write_headers_with_policy(headers, &HeaderValue::from_static("")),
            }
        }

        /// [`write_headers`](Self::write_headers) with the policy's
        /// `RateLimit-Policy` value rendered beforehand (it never changes),
        /// and the numbers written straight into header values: the same
        /// headers as [`headers`](Self::headers), without a `String` each.
        pub(crate) fn write_headers_with_policy(&self, headers: &mut HeaderMap, policy: &HeaderValue) {
            // Every number of the answer in one buffer that the header
            // values share: one allocation instead of one per value.
            let mut text = Rendered::default();
            let counted = self.most_restrictive().zip(self.reset_at_unix_secs()).map(|(w, reset_at)| {
                let limit = text.number(u64::from(w.quota));
                let remaining = text.number(u64::from(w.remaining().unwrap_or(0)));
                (limit, remaining, text.number(reset_at))
            });
            let rate_limit = self.most_restrictive().and_then(|w| {
                let c = w.counted?;
                let start = text.len;
                text.push(b"\"");
                text.push(w.name.as_str().as_bytes());
                text.push(b"\";r=");
                text.number(c.remaining);
                text.push(b";t=");
                let end = text.number(c.reset_after_ms.div_ceil(1000)).end;
                Some(start..end)
            });
            let shared = Bytes::from_owner(text);
            // Digits, quotes, a window name (a token) and separators: always
            // a header value.
            let value = |range: Range<usize>| HeaderValue::from_maybe_shared(shared.slice(range)).ok();
            if let Some((limit, remaining, reset)) = counted {
                for (name, range) in [(LIMIT, limit), (REMAINING, remaining), (RESET, reset)] {
                    if let Some(value) = value(range) {
                        headers.insert(name, value);
                    }
                }
            }
            if let Some(wait) = self.retry_after() {
                let secs = u64::try_from(wait.as_millis().div_ceil(1000)).unwrap_or(u64::MAX).max(1);
                headers.insert(http::header::RETRY_AFTER, HeaderValue::from(secs));
            }
            if !policy.is_empty() {
                headers.insert(POLICY, policy.clone());
            }
            if let Some(value) = rate_limit.and_then(value) {
                headers.insert(RATE_LIMIT, value);
            }
        }
    }

    /// The longest text [`Rendered`] holds: three numbers and the
    /// `RateLimit` value (a quoted window name and two numbers).
    const RENDERED_MAX: usize = 3 * 20 + (2 + MAX_NAME_LEN + 4 + 20 + 3 + 20);

    /// The text of one answer's rate-limit header values.
    struct Rendered {
        text: [u8; RENDERED_MAX],
        len: usize,
    }

    impl Default for Rendered {
        fn default() -> Self {
            Rendered { text: [0; RENDERED_MAX], len: 0 }
        }
    }

    impl AsRef<[u8]> for Rendered {
        fn as_ref(&self) -> &[u8] {
            &self.text[..self.len]
        }
    }

    impl Rendered {
        fn push(&mut self, bytes: &[u8]) {
            // The sizes above bound every push; a longer one is cut, not a panic.
            let end = (self.len + bytes.len()).min(RENDERED_MAX);
            self.text[self.len..end].copy_from_slice(&bytes[..end - self.len]);
            self.len = end;
        }

        /// Writes `n` in decimal, and returns where.
        fn number(&mut self, n: u64) -> Range<usize> {
            let start = self.len;
            self.push(itoa::Buffer::new().format(n).as_bytes());
            start..self.len
        }
    }

    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    impl From<&RateLimitDecision> for HeaderMap {
        fn from(decision: &RateLimitDecision) -> HeaderMap {
            let mut headers = HeaderMap::with_capacity(6);
            decision.write_headers(&mut headers);
            headers
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::rate_limit::{MemoryRateLimiter, RateLimitKey, RateLimitPolicy};
        use crate::time::ManualClock;

        #[test]
        fn converts_into_a_header_map() {
            let limiter = MemoryRateLimiter::with_clock(RateLimitPolicy::unauthenticated(), ManualClock::new(0));
            let key = RateLimitKey::client_ip("192.0.2.1".parse().unwrap());
            for _ in 0..20 {
                limiter.check_now(&key, 1).unwrap();
            }
            let refused = limiter.check_now(&key, 1).unwrap();
            let map = HeaderMap::from(&refused);
            assert_eq!(map.len(), 6);
            assert_eq!(map["x-ratelimit-remaining"], "0");
            // The sliding counter frees nothing until the minute is over,
            // then a unit every 3 s as the previous minute's weight falls.
            assert_eq!(map["retry-after"], "63");
            assert_eq!(map["ratelimit"], "\"minute\";r=0;t=63");
            assert_eq!(map["ratelimit-policy"], "\"minute\";q=20;w=60, \"hour\";q=100;w=3600");
        }

        proptest::proptest! {
            /// The values written from the one shared buffer are the
            /// strings `headers()` renders, for any numbers and names.
            #[test]
            fn the_shared_buffer_writes_what_headers_renders(
                name in "[a-z0-9_.-]{1,16}",
                limit in 1u32..=crate::rate_limit::MAX_QUOTA,
                start in 0u64..=u64::MAX / 4,
                costs in proptest::collection::vec((0u32..4, 0u64..100_000), 1..12),
            ) {
                let window = crate::rate_limit::Window::new(name, limit, std::time::Duration::from_secs(60));
                let policy = RateLimitPolicy::new(crate::rate_limit::Algorithm::SlidingWindow, [window]).unwrap();
                let clock = ManualClock::new(start);
                let limiter = MemoryRateLimiter::with_clock(policy, clock.clone());
                let key = RateLimitKey::principal("p");
                for (cost, wait) in costs {
                    let decision = limiter.check_now(&key, cost.min(limit)).unwrap();
                    clock.advance(std::time::Duration::from_millis(wait));
                    let map = HeaderMap::from(&decision);
                    let rendered = decision.headers();
                    proptest::prop_assert_eq!(map.len(), rendered.len());
                    for (name, value) in rendered {
                        proptest::prop_assert_eq!(map.get(name).and_then(|v| v.to_str().ok()), Some(value.as_str()));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rate_limit::policy::{Algorithm, RateLimitPolicy, Window};

    fn result(remaining: u64, reset_after_ms: u64, retry_after_ms: u64) -> WindowResult {
        WindowResult { remaining, reset_after_ms, retry_after_ms }
    }

    #[test]
    fn the_most_restrictive_window_is_reported() {
        let policy = RateLimitPolicy::free();
        let mut r = Results::default();
        r[0] = result(45, 1_000, 0);
        r[1] = result(955, 3_000, 0);
        let d = RateLimitDecision::counted(&policy, true, 1_620_000_000_400, &r);
        assert_eq!(d.most_restrictive().map(WindowStatus::name), Some("minute"));
        assert_eq!(d.rate_limit_header().unwrap(), "\"minute\";r=45;t=1");
        assert_eq!(d.reset_at_unix_secs(), Some(1_620_000_002)); // 1.4 s rounded up
        r[1] = result(45, 3_000, 0);
        let d = RateLimitDecision::counted(&policy, true, 0, &r);
        assert_eq!(d.most_restrictive().map(WindowStatus::name), Some("hour")); // tie: later reset
        // Refused by both: the later one decides when to come back.
        r[0] = result(0, 2_000, 2_000);
        r[1] = result(0, 1_500_000, 1_500_000);
        let d = RateLimitDecision::counted(&policy, false, 0, &r);
        assert_eq!(d.retry_after(), Some(Duration::from_secs(1500)));
        assert_eq!(d.rejection_status(), Some(429));
        assert_eq!(d.rate_limit_header().unwrap(), "\"hour\";r=0;t=1500");
        assert_eq!(d.violated_windows().collect::<Vec<_>>(), ["minute", "hour"]);
    }

    #[test]
    fn an_uncounted_decision_renders_only_what_is_known() {
        let policy = RateLimitPolicy::new(Algorithm::SlidingLog, [Window::per_minute(5)]).unwrap();
        let closed = RateLimitDecision::uncounted(&policy, Outcome::Unavailable, 0, 1_200);
        assert_eq!(closed.rejection_status(), Some(503));
        assert_eq!(
            closed.headers(),
            [(RETRY_AFTER, "2".to_string()), (RATELIMIT_POLICY, "\"minute\";q=5;w=60".to_string())]
        );
        let open = RateLimitDecision::uncounted(&policy, Outcome::Unchecked, 0, 0);
        assert!(open.is_allowed());
        assert_eq!(open.headers(), [(RATELIMIT_POLICY, "\"minute\";q=5;w=60".to_string())]);
        assert_eq!(open.remaining(), None);
    }
}
