//! Arbitrary text into the CORS origin rules and the run-time policy
//! builder: never a panic; what is accepted is an origin exactly as a
//! browser sends it, the builder agrees with the rules, and a policy
//! matches its own origin and nothing else.
#![no_main]

use apishield::cors::{CorsPolicy, rules};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The first line is the configured origin, the rest a request's Origin.
    let (origin, other) = text.split_once('\n').unwrap_or((text, ""));
    for insecure_localhost in [false, true] {
        let checked = rules::check_origin(origin, insecure_localhost);
        let built = CorsPolicy::builder().origins([origin]).methods(["GET"]).insecure_localhost(insecure_localhost).build();
        assert_eq!(checked.is_ok(), built.is_ok());
        match (checked, built) {
            (Ok(rules::OriginKind::Any), Ok(policy)) => assert!(origin == "*" && policy.allows_any_origin()),
            (Ok(kind), Ok(policy)) => {
                let (scheme, rest) = origin.split_once("://").expect("a scheme");
                assert!(origin.len() <= rules::MAX_ORIGIN_LEN);
                assert!(origin.bytes().all(|b| b.is_ascii_graphic() && !b.is_ascii_uppercase()));
                assert!(!rest.is_empty() && !rest.contains(['/', '?', '#', '@', '*']) && !rest.ends_with('.'));
                assert!(!rest.ends_with(":443") || scheme == "http");
                match kind {
                    rules::OriginKind::Https => assert_eq!(scheme, "https"),
                    _ => assert!(insecure_localhost && scheme == "http"),
                }
                // Nothing to suggest for what is already right.
                assert_eq!(rules::suggest(origin), None);
                assert!(policy.allows_origin(origin));
                assert_eq!(policy.allows_origin(other), other == origin);
            }
            (Err(e), Err(err)) => {
                assert!(!e.message().is_empty() && !e.help(origin).is_empty());
                assert!(!err.to_string().is_empty());
                // A suggestion, when there is one, passes the rules.
                if let Some(fixed) = rules::suggest(origin) {
                    assert!(rules::check_origin(&fixed, true).is_ok(), "{fixed}");
                }
            }
            _ => unreachable!(),
        }
    }
    let _ = rules::check_header_name(origin);
    let _ = rules::check_method(origin);
});
