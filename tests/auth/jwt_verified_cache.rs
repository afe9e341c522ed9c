//! The validator's cache of verified tokens is invisible in its answers: a
//! remembered token is refused once it expires, once the keys that
//! verified it are replaced, once its `jti` is revoked; a token that differs
//! from a remembered one in one byte is checked in full. And, as a
//! property: for any sequence of tokens, clock moves and key rotations, a
//! validator with the cache (a large one, and one of two entries that
//! forgets all the time) answers exactly as one without it.

use std::sync::Arc;
use std::time::Duration;

use apishield::auth::jwt::{
    ExternalIssuer, HmacSecret, JwtAlgorithm, JwtError, JwtIssuer, JwtKey, JwtSigningKey, JwtValidator,
};
use apishield::auth::token::{AccessTokenDenylist, MemoryDenylist};
use apishield::time::ManualClock;
use proptest::prelude::*;

use crate::support::{AUD, ISS, NOW};

struct Keys {
    secrets: Vec<HmacSecret>,
}

impl Keys {
    fn new(n: usize) -> Keys {
        Keys { secrets: (0..n).map(|_| HmacSecret::generate().unwrap()).collect() }
    }

    fn verifying(&self, i: usize) -> JwtKey {
        JwtKey::hmac(JwtAlgorithm::HS256, &self.secrets[i]).unwrap()
    }

    fn issuer(&self, i: usize, clock: &ManualClock) -> JwtIssuer {
        let signing = JwtSigningKey::hmac(JwtAlgorithm::HS256, &self.secrets[i]).unwrap();
        JwtIssuer::new(signing, ISS, AUD).clock(clock.clone())
    }
}

fn validator(keys: &Keys, clock: &ManualClock, cache: usize) -> JwtValidator {
    JwtValidator::builder(keys.verifying(0))
        .issuer(ISS)
        .audience(AUD)
        .clock(clock.clone())
        .verified_token_cache(cache)
        .build()
}

#[test]
fn a_remembered_token_still_expires() {
    let keys = Keys::new(1);
    let clock = ManualClock::from_secs(NOW);
    let validator = validator(&keys, &clock, 16);
    let token = keys.issuer(0, &clock).token("user-42").lifetime(Duration::from_secs(60)).sign().unwrap();
    for _ in 0..3 {
        assert_eq!(validator.validate(token.expose_secret()).unwrap().subject(), "user-42");
    }
    // 60 s lifetime and 30 s leeway: valid strictly before NOW + 90.
    clock.set_secs(NOW + 89);
    assert!(validator.validate(token.expose_secret()).is_ok());
    clock.set_secs(NOW + 90);
    assert_eq!(validator.validate(token.expose_secret()).unwrap_err(), JwtError::Expired);
}

#[test]
fn a_token_not_yet_valid_is_not_remembered_as_refused() {
    let keys = Keys::new(1);
    let clock = ManualClock::from_secs(NOW);
    let validator = validator(&keys, &clock, 16);
    let token = keys.issuer(0, &clock).token("user-42").not_before(NOW + 120).sign().unwrap();
    assert_eq!(validator.validate(token.expose_secret()).unwrap_err(), JwtError::NotYetValid);
    clock.set_secs(NOW + 120);
    assert!(validator.validate(token.expose_secret()).is_ok());
}

#[test]
fn replacing_the_keys_checks_every_remembered_token_again() {
    let keys = Keys::new(2);
    let clock = ManualClock::from_secs(NOW);
    let validator = validator(&keys, &clock, 16);
    let token = keys.issuer(0, &clock).issue("user-42").unwrap();
    assert!(validator.validate(token.expose_secret()).is_ok());

    validator.replace_keys(keys.verifying(1));
    assert_eq!(validator.validate(token.expose_secret()).unwrap_err(), JwtError::BadSignature);
    assert_eq!(validator.validate(token.expose_secret()).unwrap_err(), JwtError::BadSignature);

    // The old key back (a new set with the same key): verified in full again.
    validator.replace_keys(keys.verifying(0));
    assert!(validator.validate(token.expose_secret()).is_ok());
    assert!(validator.validate(token.expose_secret()).is_ok());
}

#[test]
fn a_token_one_byte_away_from_a_remembered_one_is_checked_in_full() {
    let keys = Keys::new(1);
    let clock = ManualClock::from_secs(NOW);
    let validator = validator(&keys, &clock, 16);
    let token = keys.issuer(0, &clock).issue("user-42").unwrap();
    let token = token.expose_secret();
    assert!(validator.validate(token).is_ok());

    let mut near: Vec<String> = Vec::new();
    // Each byte of the signature changed, the last one dropped, one added.
    let signature_start = token.rfind('.').unwrap() + 1;
    for i in signature_start..token.len() {
        let mut bytes = token.as_bytes().to_vec();
        bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
        near.push(String::from_utf8(bytes).unwrap());
    }
    near.push(token[..token.len() - 1].to_owned());
    near.push(format!("{token}A"));
    for forged in &near {
        assert!(validator.validate(forged).is_err(), "accepted a token one byte from a remembered one");
    }
    assert!(validator.validate(token).is_ok());
}

/// Two issuers with a user `user-42` each: remembered tokens stay two
/// callers, and replacing one issuer's keys re-checks that issuer's tokens
/// only.
#[test]
fn two_issuers_tokens_stay_apart_in_the_cache() {
    const PARTNER: &str = "https://partner.example";
    let keys = Keys::new(2);
    let clock = ManualClock::from_secs(NOW);
    let validator = JwtValidator::builder(keys.verifying(0))
        .issuer(ISS)
        .audience(AUD)
        .external_issuer(ExternalIssuer::new(PARTNER, keys.verifying(1)))
        .clock(clock.clone())
        .build();
    let home = keys.issuer(0, &clock).issue("user-42").unwrap();
    let partner = JwtIssuer::new(JwtSigningKey::hmac(JwtAlgorithm::HS256, &keys.secrets[1]).unwrap(), PARTNER, AUD)
        .clock(clock.clone())
        .issue("user-42")
        .unwrap();
    for _ in 0..2 {
        let (home, partner) = (
            validator.validate(home.expose_secret()).unwrap().principal(),
            validator.validate(partner.expose_secret()).unwrap().principal(),
        );
        assert_ne!(home.caller(), partner.caller());
        assert!(partner.is_external() && !home.is_external());
    }

    // The partner rotates to a key that did not sign its remembered token.
    assert!(validator.replace_external_keys(PARTNER, keys.verifying(0)));
    assert_eq!(validator.validate(partner.expose_secret()).unwrap_err(), JwtError::BadSignature);
    assert!(validator.validate(home.expose_secret()).is_ok(), "the home issuer's keys did not change");
}

#[tokio::test]
async fn a_remembered_token_is_refused_once_revoked() {
    let keys = Keys::new(1);
    let clock = ManualClock::from_secs(NOW);
    let denylist = Arc::new(MemoryDenylist::with_clock(clock.clone()));
    let validator = JwtValidator::builder(keys.verifying(0))
        .issuer(ISS)
        .audience(AUD)
        .clock(clock.clone())
        .denylist(Arc::clone(&denylist))
        .build();
    let token = keys.issuer(0, &clock).token("user-42").token_id("t-1").sign().unwrap();
    for _ in 0..2 {
        assert!(validator.validate_async(token.expose_secret()).await.is_ok());
    }
    denylist.deny("t-1", NOW + 900).await.unwrap();
    assert_eq!(validator.validate_async(token.expose_secret()).await.unwrap_err(), JwtError::Revoked);
}

/// What the property does, step by step.
#[derive(Debug, Clone)]
enum Step {
    /// Validate token `i` of the pool.
    Validate(usize),
    /// Move the clock by this many seconds (back too).
    Advance(i64),
    /// Replace the validator's keys with key `i`.
    Rotate(usize),
}

fn steps() -> impl Strategy<Value = Vec<Step>> {
    let step = prop_oneof![
        8 => (0..POOL).prop_map(Step::Validate),
        1 => (-60i64..240).prop_map(Step::Advance),
        1 => (0..2usize).prop_map(Step::Rotate),
    ];
    proptest::collection::vec(step, 1..60)
}

const POOL: usize = 12;

/// Tokens of both keys, short and long lived, not yet valid, tampered,
/// for another audience.
fn pool(keys: &Keys, clock: &ManualClock) -> Vec<String> {
    let mut tokens = Vec::new();
    for key in 0..2 {
        let issuer = keys.issuer(key, clock);
        let subject = format!("user-{key}");
        tokens.push(issuer.token(&subject).lifetime(Duration::from_secs(60)).sign().unwrap());
        tokens.push(issuer.token(&subject).lifetime(Duration::from_secs(900)).sign().unwrap());
        tokens.push(issuer.token(&subject).not_before(NOW + 300).sign().unwrap());
        tokens.push(issuer.token(&subject).issued_at(NOW + 600).sign().unwrap());
    }
    let mut tokens: Vec<String> = tokens.iter().map(|t| t.expose_secret().clone()).collect();
    let tampered = tokens[1].replacen('.', ".e30", 1);
    tokens.push(tampered);
    let cut = tokens[1][..tokens[1].len() - 2].to_owned();
    tokens.push(cut);
    let other_audience =
        JwtIssuer::new(JwtSigningKey::hmac(JwtAlgorithm::HS256, &keys.secrets[0]).unwrap(), ISS, "other")
            .clock(clock.clone())
            .issue("user-0")
            .unwrap();
    tokens.push(other_audience.expose_secret().clone());
    tokens.push("not.a.token".to_owned());
    assert_eq!(tokens.len(), POOL);
    tokens
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn a_cached_validator_answers_as_one_without_a_cache(steps in steps()) {
        let keys = Keys::new(2);
        let clock = ManualClock::from_secs(NOW);
        let tokens = pool(&keys, &clock);
        let uncached = validator(&keys, &clock, 0);
        let cached = validator(&keys, &clock, 4096);
        let tiny = validator(&keys, &clock, 2);
        for step in steps {
            match step {
                Step::Validate(i) => {
                    let expected = uncached.validate(&tokens[i]).map(|v| v.subject().to_owned());
                    for validator in [&cached, &tiny] {
                        let got = validator.validate(&tokens[i]).map(|v| v.subject().to_owned());
                        prop_assert_eq!(&got, &expected, "token {}", i);
                    }
                }
                Step::Advance(secs) => clock.set_secs(clock_secs(&clock) + secs),
                Step::Rotate(key) => {
                    for validator in [&uncached, &cached, &tiny] {
                        validator.replace_keys(keys.verifying(key));
                    }
                }
            }
        }
    }
}

fn clock_secs(clock: &ManualClock) -> i64 {
    use apishield::time::Clock as _;
    clock.now_secs()
}

/// The property is not vacuous: its sequences accept tokens, refuse others,
/// and accept the same token several times (the cache's hits).
#[test]
fn the_sequences_reach_hits_and_refusals() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let keys = Keys::new(2);
    let mut runner = TestRunner::deterministic();
    let (mut accepted, mut refused, mut repeated) = (0, 0, 0);
    for _ in 0..300 {
        let clock = ManualClock::from_secs(NOW);
        let tokens = pool(&keys, &clock);
        let validator = validator(&keys, &clock, 0);
        let mut seen = [0usize; POOL];
        for step in steps().new_tree(&mut runner).unwrap().current() {
            match step {
                Step::Validate(i) => match validator.validate(&tokens[i]) {
                    Ok(_) => {
                        accepted += 1;
                        seen[i] += 1;
                        repeated += usize::from(seen[i] > 1);
                    }
                    Err(_) => refused += 1,
                },
                Step::Advance(secs) => clock.set_secs(clock_secs(&clock) + secs),
                Step::Rotate(key) => validator.replace_keys(keys.verifying(key)),
            }
        }
    }
    assert!(
        accepted > 500 && refused > 500 && repeated > 300,
        "accepted {accepted}, refused {refused}, repeated {repeated}"
    );
}
