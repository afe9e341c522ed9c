//! How long a fetched JWK set stays fresh: `Cache-Control: max-age` (minus
//! `Age`), within bounds.

use std::time::Duration;

/// The lifetime a response's caching headers ask for: `Some(max-age - Age)`
/// when `Cache-Control` has a valid `max-age`, `Some(0)` for `no-store` or
/// `no-cache` (the bounds then raise it to their minimum), `None` when it
/// says nothing about freshness (the default lifetime applies).
///
/// Directive names are case-insensitive (RFC 9111 section 5.2); a `max-age`
/// given twice counts with its smaller value, an invalid one (not digits,
/// `max-age=-1`) as 0, that is stale: a provider that sends garbage is asked
/// again soon rather than trusted for a day.
pub(crate) fn freshness(cache_control: Option<&str>, age: Option<&str>) -> Option<Duration> {
    let cache_control = cache_control?;
    let mut max_age: Option<u64> = None;
    let mut uncacheable = false;
    for directive in cache_control.split(',') {
        let directive = directive.trim();
        let (name, value) = match directive.split_once('=') {
            Some((name, value)) => (name.trim(), Some(value.trim())),
            None => (directive, None),
        };
        if name.eq_ignore_ascii_case("no-store") || name.eq_ignore_ascii_case("no-cache") {
            uncacheable = true;
        } else if name.eq_ignore_ascii_case("max-age") {
            let seconds = value.map(|v| v.trim_matches('"')).map_or(0, delta_seconds);
            max_age = Some(max_age.map_or(seconds, |m| m.min(seconds)));
        }
    }
    if uncacheable {
        return Some(Duration::ZERO);
    }
    let age = age.map_or(0, |a| delta_seconds(a.trim()));
    max_age.map(|m| Duration::from_secs(m.saturating_sub(age)))
}

/// RFC 9111 `delta-seconds`: 1*DIGIT, saturating; anything else is 0.
fn delta_seconds(text: &str) -> u64 {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return 0;
    }
    text.bytes().fold(0u64, |n, digit| n.saturating_mul(10).saturating_add(u64::from(digit - b'0')))
}

/// `freshness` within `[min, max]`, `default` when the headers say nothing.
pub(crate) fn lifetime(freshness: Option<Duration>, default: Duration, min: Duration, max: Duration) -> Duration {
    freshness.unwrap_or(default).clamp(min, max)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use proptest::prelude::*;

    use super::{freshness, lifetime};

    fn secs(s: u64) -> Option<Duration> {
        Some(Duration::from_secs(s))
    }

    #[test]
    fn reads_max_age_and_the_directives_that_forbid_caching() {
        assert_eq!(freshness(Some("public, max-age=3600"), None), secs(3600));
        assert_eq!(freshness(Some("Max-Age = 120 ,must-revalidate"), None), secs(120));
        assert_eq!(freshness(Some("max-age=\"90\""), None), secs(90));
        assert_eq!(freshness(Some("max-age=600"), Some("100")), secs(500));
        assert_eq!(freshness(Some("max-age=60"), Some("600")), secs(0));
        assert_eq!(freshness(Some("max-age=600, max-age=60"), None), secs(60));
        assert_eq!(freshness(Some("no-store"), None), secs(0));
        assert_eq!(freshness(Some("max-age=600, no-cache"), None), secs(0));
        assert_eq!(freshness(Some("max-age=-5"), None), secs(0));
        assert_eq!(freshness(Some("max-age=abc"), None), secs(0));
        assert_eq!(freshness(Some("max-age"), None), secs(0));
        assert_eq!(freshness(Some("max-age=99999999999999999999999"), None), secs(u64::MAX));
        assert_eq!(freshness(Some("public"), None), None);
        assert_eq!(freshness(None, Some("5")), None);
    }

    #[test]
    fn the_lifetime_stays_within_its_bounds() {
        let (default, min, max) = (Duration::from_secs(600), Duration::from_secs(60), Duration::from_secs(86_400));
        assert_eq!(lifetime(None, default, min, max), default);
        assert_eq!(lifetime(secs(0), default, min, max), min);
        assert_eq!(lifetime(secs(120), default, min, max), Duration::from_secs(120));
        assert_eq!(lifetime(secs(u64::MAX), default, min, max), max);
    }

    proptest! {
        #[test]
        fn any_header_gives_a_bounded_lifetime(cache_control in "\\PC{0,80}", age in proptest::option::of("\\PC{0,12}")) {
            let (default, min, max) = (Duration::from_secs(600), Duration::from_secs(60), Duration::from_secs(86_400));
            let parsed = freshness(Some(&cache_control), age.as_deref());
            let chosen = lifetime(parsed, default, min, max);
            prop_assert!(chosen >= min && chosen <= max);
        }

        #[test]
        fn a_plain_max_age_is_read_exactly(seconds in 0u64..10_000_000, age in 0u64..10_000_000) {
            let header = format!("public, max-age={seconds}");
            prop_assert_eq!(
                freshness(Some(&header), Some(&age.to_string())),
                Some(Duration::from_secs(seconds.saturating_sub(age)))
            );
        }
    }
}
