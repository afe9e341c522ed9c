//! Properties of the API key parser: it never panics, it round-trips every
//! well-formed key, and it refuses any single-character change.

use apishield::auth::api_key::{ApiKey, ApiKeyEnvironment, ApiKeyKind, KEY_LEN, checksum};
use apishield::auth::credentials::Credentials;
use proptest::prelude::*;

/// A well-formed key from proptest's generator (deterministic, shrinkable),
/// built the way `ApiKey::generate` builds one.
fn well_formed() -> impl Strategy<Value = String> {
    (prop::sample::select(vec!["sk-live-", "sk-test-", "pk-live-", "pk-test-"]), "[0-9A-Za-z]{32}").prop_map(
        |(prefix, random)| {
            let body = format!("{prefix}{random}");
            let sum = checksum(body.as_bytes());
            format!("{body}{sum}")
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_any_text(text in ".{0,100}") {
        let _ = ApiKey::parse(&text);
        let _ = ApiKey::from_authorization(&text);
        let _ = Credentials::from_authorization(&text);
        let _ = ApiKey::from_authorization(&format!("ApiKey {text}"));
    }

    #[test]
    fn never_panics_on_near_keys(key in well_formed(), cut in 0usize..KEY_LEN, junk in "\\PC{0,3}") {
        let mut near = key.clone();
        near.truncate(cut);
        near.push_str(&junk);
        near.push_str(&key[cut..]);
        let _ = ApiKey::parse(&near);
        let _ = ApiKey::from_authorization(&format!("ApiKey {near}"));
    }

    #[test]
    fn round_trips_well_formed_keys(key in well_formed()) {
        let parsed = ApiKey::parse(&key).unwrap();
        prop_assert_eq!(parsed.expose_secret(), key.as_str());
        let header = format!("ApiKey {key}");
        let from_header = ApiKey::from_authorization(&header).unwrap();
        prop_assert_eq!(from_header.hash(), parsed.hash());
        let expected_kind = if key.starts_with("sk") { ApiKeyKind::Secret } else { ApiKeyKind::Publishable };
        let expected_env = if key[3..7] == *"live" { ApiKeyEnvironment::Live } else { ApiKeyEnvironment::Test };
        prop_assert_eq!(parsed.kind(), expected_kind);
        prop_assert_eq!(parsed.environment(), expected_env);
        prop_assert_eq!(parsed.display_prefix(), &key[..12]);
    }

    #[test]
    fn refuses_any_single_character_change(key in well_formed(), position in 0usize..KEY_LEN, replacement in any::<char>()) {
        let original = key.as_bytes()[position] as char;
        prop_assume!(replacement != original);
        let mut changed: Vec<char> = key.chars().collect();
        changed[position] = replacement;
        let changed: String = changed.into_iter().collect();
        prop_assert!(ApiKey::parse(&changed).is_err(), "accepted {changed}");
    }

    #[test]
    fn refuses_any_single_alphanumeric_change(key in well_formed(), position in 0usize..KEY_LEN, replacement in "[0-9A-Za-z]") {
        // The hard case: the change keeps the alphabet, so only the checksum
        // (or the prefix grammar) can catch it.
        let mut changed = key.clone();
        prop_assume!(changed[position..=position] != *replacement);
        changed.replace_range(position..=position, &replacement);
        prop_assert!(ApiKey::parse(&changed).is_err(), "accepted {changed}");
    }

    #[test]
    fn generated_keys_round_trip(secret in any::<bool>(), live in any::<bool>()) {
        let kind = if secret { ApiKeyKind::Secret } else { ApiKeyKind::Publishable };
        let env = if live { ApiKeyEnvironment::Live } else { ApiKeyEnvironment::Test };
        let key = ApiKey::generate(kind, env).unwrap();
        let parsed = ApiKey::parse(key.expose_secret()).unwrap();
        prop_assert_eq!(parsed.hash(), key.hash());
        prop_assert_eq!((parsed.kind(), parsed.environment()), (kind, env));
    }
}
