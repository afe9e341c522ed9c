//! The response headers, checked against what the drafts say:
//!
//! * `RateLimit-Policy` and `RateLimit` are structured-field Lists
//!   (RFC 9651) of String items with Integer parameters, serialized
//!   canonically, as draft-ietf-httpapi-ratelimit-headers-10 defines them:
//!   `q` (quota, non-negative) and `w` (window, positive seconds) for a
//!   policy; `r` (remaining, non-negative) and `t` (seconds until more
//!   quota, non-negative) for a limit, whose name is one of the policy's;
//! * `X-RateLimit-Reset` is a Unix time, `Retry-After` delay-seconds
//!   (RFC 9110) no earlier than `t`, as the draft asks;
//! * the values are right for the reference's tiers and example.

use std::collections::BTreeMap;
use std::time::Duration;

use apishield::rate_limit::{Algorithm, MemoryRateLimiter, RateLimitDecision, RateLimitKey, RateLimitPolicy, Window};
use apishield::time::ManualClock;

/// One member of a structured-field List of Items: a String and its
/// Integer parameters.
#[derive(Debug, PartialEq)]
struct Item {
    name: String,
    params: BTreeMap<String, i64>,
}

/// Parses an RFC 9651 List whose members are Strings with Integer
/// parameters, refusing anything a strict parser would refuse; returns the
/// members and whether the input is the canonical serialization.
fn parse_sf_list(input: &str) -> Result<(Vec<Item>, bool), String> {
    let b = input.as_bytes();
    let mut i = 0;
    let mut items = Vec::new();
    let mut canonical = true;
    let skip_ows = |i: &mut usize| {
        while *i < b.len() && (b[*i] == b' ' || b[*i] == b'\t') {
            *i += 1;
        }
    };
    loop {
        // sf-string
        if b.get(i) != Some(&b'"') {
            return Err(format!("expected a string at {i} in {input:?}"));
        }
        i += 1;
        let mut name = String::new();
        loop {
            match b.get(i) {
                None => return Err("unterminated string".into()),
                Some(b'"') => {
                    i += 1;
                    break;
                }
                Some(b'\\') => {
                    match b.get(i + 1) {
                        Some(&c @ (b'"' | b'\\')) => name.push(c as char),
                        _ => return Err("bad escape".into()),
                    }
                    i += 2;
                }
                Some(&c) if (0x20..=0x7e).contains(&c) => {
                    name.push(c as char);
                    i += 1;
                }
                Some(c) => return Err(format!("byte {c:#x} in a string")),
            }
        }
        // parameters: *( ";" *SP key [ "=" bare-item ] ), here Integers
        let mut params = BTreeMap::new();
        while b.get(i) == Some(&b';') {
            i += 1;
            while b.get(i) == Some(&b' ') {
                canonical = false;
                i += 1;
            }
            let start = i;
            match b.get(i) {
                Some(c) if c.is_ascii_lowercase() || *c == b'*' => i += 1,
                _ => return Err(format!("bad key start at {i}")),
            }
            while let Some(c) = b.get(i) {
                if c.is_ascii_lowercase() || c.is_ascii_digit() || b"_-.*".contains(c) {
                    i += 1;
                } else {
                    break;
                }
            }
            let key = input[start..i].to_string();
            if b.get(i) != Some(&b'=') {
                return Err(format!("parameter {key} without an integer value"));
            }
            i += 1;
            let num_start = i;
            if b.get(i) == Some(&b'-') {
                i += 1;
            }
            let digits = i;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            if i == digits || i - digits > 15 {
                return Err(format!("parameter {key}: not an sf-integer"));
            }
            let value: i64 = input[num_start..i].parse().map_err(|e| format!("{e}"))?;
            if params.insert(key.clone(), value).is_some() {
                canonical = false; // duplicates: the last wins, but we never send them
            }
        }
        items.push(Item { name, params });
        // list separator: OWS "," OWS
        let before = i;
        skip_ows(&mut i);
        if i == b.len() {
            if i != before {
                canonical = false;
            }
            return Ok((items, canonical));
        }
        if b[i] != b',' {
            return Err(format!("expected ',' at {i} in {input:?}"));
        }
        canonical &= i == before;
        i += 1;
        let after_comma = i;
        skip_ows(&mut i);
        canonical &= i == after_comma + 1 && b[after_comma] == b' ';
        if i == b.len() {
            return Err("trailing comma".into());
        }
    }
}

fn header<'a>(d: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
    let mut found = d.iter().filter(|(n, _)| *n == name);
    let first = found.next().map(|(_, v)| v.as_str());
    assert!(found.next().is_none(), "{name} twice");
    first
}

/// Checks one decision's headers against the drafts; returns them.
fn check_against_drafts(decision: &RateLimitDecision) -> Vec<(&'static str, String)> {
    let headers = decision.headers();
    let (policies, canonical) = parse_sf_list(header(&headers, "RateLimit-Policy").unwrap()).unwrap();
    assert!(canonical, "RateLimit-Policy is not canonical: {headers:?}");
    for p in &policies {
        assert_eq!(p.params.keys().collect::<Vec<_>>(), ["q", "w"], "{p:?}");
        assert!(p.params["q"] >= 0);
        assert!(p.params["w"] > 0, "w must be a non-zero number of seconds");
    }
    if let Some(limit) = header(&headers, "RateLimit") {
        let (limits, canonical) = parse_sf_list(limit).unwrap();
        assert!(canonical);
        assert_eq!(limits.len(), 1);
        let l = &limits[0];
        assert!(policies.iter().any(|p| p.name == l.name), "RateLimit names an unknown policy: {l:?}");
        assert_eq!(l.params.keys().collect::<Vec<_>>(), ["r", "t"]);
        assert!(l.params["r"] >= 0 && l.params["t"] >= 0);
        let policy = policies.iter().find(|p| p.name == l.name).unwrap();
        assert!(l.params["r"] <= policy.params["q"]);
        // The de-facto trio agrees with it.
        assert_eq!(header(&headers, "X-RateLimit-Remaining").unwrap(), l.params["r"].to_string());
        assert_eq!(header(&headers, "X-RateLimit-Limit").unwrap(), policy.params["q"].to_string());
        let reset: u64 = header(&headers, "X-RateLimit-Reset").unwrap().parse().unwrap();
        let now_secs = decision.now_unix_ms() / 1000;
        assert!(reset >= now_secs && reset <= now_secs + l.params["t"] as u64 + 1, "{reset} vs {now_secs}");
        // Retry-After, when present, is delay-seconds no earlier than t.
        if let Some(retry) = header(&headers, "Retry-After") {
            assert!(retry.bytes().all(|c| c.is_ascii_digit()));
            let retry: i64 = retry.parse().unwrap();
            assert!(retry >= 1 && retry >= l.params["t"], "Retry-After {retry} before t {}", l.params["t"]);
        }
    }
    assert_eq!(header(&headers, "Retry-After").is_some(), !decision.is_allowed());
    headers
}

#[test]
fn the_reference_example_renders_as_the_drafts_write_it() {
    // The reference's example: a free-tier client with 45 of 60 left.
    let clock = ManualClock::new(1_620_000_000_000);
    let policy = RateLimitPolicy::tier(apishield::rate_limit::Tier::Free, Algorithm::TokenBucket);
    let limiter = MemoryRateLimiter::with_clock(policy, clock.clone());
    let key = RateLimitKey::principal("user-1");
    for _ in 0..14 {
        limiter.check_now(&key, 1).unwrap();
    }
    let d = limiter.check_now(&key, 1).unwrap();
    let headers = check_against_drafts(&d);
    assert_eq!(
        headers,
        [
            ("X-RateLimit-Limit", "60".to_string()),
            ("X-RateLimit-Remaining", "45".to_string()),
            // A bucket of 60 per minute has its next token in one second.
            ("X-RateLimit-Reset", "1620000001".to_string()),
            ("RateLimit-Policy", r#""minute";q=60;w=60, "hour";q=1000;w=3600"#.to_string()),
            ("RateLimit", r#""minute";r=45;t=1"#.to_string()),
        ]
    );
}

#[test]
fn a_refusal_carries_retry_after_and_the_refusing_window() {
    let clock = ManualClock::new(1_620_000_000_000);
    let limiter = MemoryRateLimiter::with_clock(RateLimitPolicy::free(), clock.clone());
    let key = RateLimitKey::principal("user-1");
    clock.advance(Duration::from_secs(30));
    for _ in 0..60 {
        assert!(limiter.check_now(&key, 1).unwrap().is_allowed());
    }
    let refused = limiter.check_now(&key, 1).unwrap();
    assert_eq!(refused.rejection_status(), Some(429));
    let headers = check_against_drafts(&refused);
    // Sliding window: the 60 weigh fully until the minute ends (30 s), then
    // a unit frees up every second: 31 s.
    assert_eq!(header(&headers, "Retry-After"), Some("31"));
    assert_eq!(header(&headers, "RateLimit"), Some(r#""minute";r=0;t=31"#));
    assert_eq!(header(&headers, "X-RateLimit-Reset"), Some("1620000061"));
}

#[test]
fn the_hour_is_reported_once_it_is_closer_to_its_limit() {
    let clock = ManualClock::new(1_620_000_000_000);
    let p = RateLimitPolicy::new(Algorithm::SlidingLog, [Window::per_minute(60), Window::per_hour(100)]).unwrap();
    let limiter = MemoryRateLimiter::with_clock(p, clock.clone());
    let key = RateLimitKey::principal("user-1");
    for minute in 0..2 {
        clock.set(1_620_000_000_000 + minute * 60_000);
        for _ in 0..45 {
            limiter.check_now(&key, 1).unwrap();
        }
    }
    let d = limiter.check_now(&key, 0).unwrap();
    let headers = check_against_drafts(&d);
    // 15 left in the minute, 10 in the hour: the hour is reported.
    assert_eq!(header(&headers, "RateLimit"), Some(r#""hour";r=10;t=3540"#));
    assert_eq!(header(&headers, "X-RateLimit-Limit"), Some("100"));
}

#[test]
fn token_bucket_policies_advertise_capacity_and_refill_time() {
    let p = RateLimitPolicy::new(Algorithm::TokenBucket, [Window::per_second(10).burst(100)]).unwrap();
    let limiter = MemoryRateLimiter::with_clock(p, ManualClock::new(0));
    let d = limiter.check_now(&RateLimitKey::api_key("k"), 1).unwrap();
    let headers = check_against_drafts(&d);
    assert_eq!(header(&headers, "RateLimit-Policy"), Some(r#""second";q=100;w=10"#));
    assert_eq!(header(&headers, "RateLimit"), Some(r#""second";r=99;t=1"#));
}

#[test]
fn every_decision_of_a_busy_key_is_well_formed() {
    for algorithm in [Algorithm::TokenBucket, Algorithm::SlidingWindow, Algorithm::SlidingLog] {
        let clock = ManualClock::new(1_700_000_000_123);
        let p = RateLimitPolicy::new(
            algorithm,
            [Window::per_second(3), Window::new("burst.10s", 10, Duration::from_secs(10)), Window::per_minute(25)],
        )
        .unwrap();
        let limiter = MemoryRateLimiter::with_clock(p, clock.clone());
        let key = RateLimitKey::principal("busy");
        for i in 0..2_000u64 {
            clock.advance(Duration::from_millis(i * 7919 % 400));
            let d = limiter.check_now(&key, (i % 3) as u32).unwrap();
            check_against_drafts(&d);
        }
    }
}

#[test]
fn the_parser_refuses_what_the_drafts_refuse() {
    assert!(parse_sf_list(r#""a";q=1;w=2, "b";q=3;w=4"#).unwrap().1);
    assert!(!parse_sf_list(r#""a";q=1;w=2 ,"b";q=3;w=4"#).unwrap().1);
    assert!(parse_sf_list(r#"a;q=1"#).is_err()); // a token, not a String
    assert!(parse_sf_list(r#""a";q=1.5"#).is_err()); // a Decimal
    assert!(parse_sf_list(r#""a";Q=1"#).is_err()); // upper-case key
    assert!(parse_sf_list(r#""a";q=1234567890123456"#).is_err()); // 16 digits
    assert!(parse_sf_list(r#""a";q=1,"#).is_err());
}
