//! jsonwebtoken's defaults are not enough, measured: for each gap, a token
//! that bare `jsonwebtoken::decode` (configured as its documentation shows:
//! algorithm, `set_audience`, `set_issuer`) accepts, and that `JwtValidator`
//! rejects with a named reason.
//!
//! Times are real (jsonwebtoken reads the system clock), so every token is
//! made relative to the current time.

use crate::support as auth_support;

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use apishield::auth::jwt::{Claim, HmacSecret, JwtAlgorithm, JwtError, JwtKey, JwtKeyError, JwtValidator};
use auth_support::{AUD, ISS, RS_HEADER, fixture, rs256, rsa_validator, sign_raw};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Validation};
use serde_json::Value;

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// jsonwebtoken as a careful user configures it.
fn bare_validation() -> Validation {
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&[AUD]);
    validation.set_issuer(&[ISS]);
    validation
}

fn bare_decode(token: &str) -> Result<Value, jsonwebtoken::errors::Error> {
    let key = DecodingKey::from_rsa_pem(&fixture("test_rsa_public.pem")).unwrap();
    jsonwebtoken::decode::<Value>(token, &key, &bare_validation()).map(|data| data.claims)
}

/// Claims valid now, as JSON text, with `extra` members appended.
fn claims_now(extra: &str) -> String {
    let now = now();
    let base = format!(r#""iss":"{ISS}","sub":"user-42","aud":"{AUD}","iat":{now},"exp":{}"#, now + 600);
    if extra.is_empty() { format!("{{{base}}}") } else { format!("{{{base},{extra}}}") }
}

#[test]
fn the_control_token_passes_both() {
    let token = rs256(RS_HEADER, &claims_now(""));
    assert!(bare_decode(&token).is_ok());
    assert!(rsa_validator().validate(&token).is_ok());
}

#[test]
fn gap_issue_493_missing_aud_or_iss_after_set_audience_and_set_issuer() {
    let now = now();
    let no_aud = rs256(RS_HEADER, &format!(r#"{{"iss":"{ISS}","sub":"u","iat":{now},"exp":{}}}"#, now + 600));
    let no_iss = rs256(RS_HEADER, &format!(r#"{{"aud":"{AUD}","sub":"u","iat":{now},"exp":{}}}"#, now + 600));
    let neither = rs256(RS_HEADER, &format!(r#"{{"sub":"u","iat":{now},"exp":{}}}"#, now + 600));
    for token in [&no_aud, &no_iss, &neither] {
        assert!(bare_decode(token).is_ok(), "jsonwebtoken accepts it");
    }
    let validator = rsa_validator();
    assert_eq!(validator.validate(&no_aud).unwrap_err(), JwtError::MissingClaim(Claim::Aud));
    assert_eq!(validator.validate(&no_iss).unwrap_err(), JwtError::MissingClaim(Claim::Iss));
    assert_eq!(validator.validate(&neither).unwrap_err(), JwtError::MissingClaim(Claim::Iss));
}

#[test]
fn gap_nbf_unchecked_by_default() {
    let token = rs256(RS_HEADER, &claims_now(&format!(r#""nbf":{}"#, now() + 300)));
    assert!(bare_decode(&token).is_ok(), "jsonwebtoken accepts a token valid only in 5 minutes");
    assert_eq!(rsa_validator().validate(&token).unwrap_err(), JwtError::NotYetValid);
}

#[test]
fn gap_iat_never_checked() {
    let later = now() + 86_400;
    let token =
        rs256(RS_HEADER, &format!(r#"{{"iss":"{ISS}","sub":"u","aud":"{AUD}","iat":{later},"exp":{}}}"#, later + 600));
    assert!(bare_decode(&token).is_ok(), "jsonwebtoken accepts a token issued tomorrow");
    assert_eq!(rsa_validator().validate(&token).unwrap_err(), JwtError::IssuedInFuture);
}

#[test]
fn gap_60_second_inclusive_leeway() {
    let now = now();
    for late in [45, 55] {
        let token = rs256(
            RS_HEADER,
            &format!(r#"{{"iss":"{ISS}","sub":"u","aud":"{AUD}","iat":{},"exp":{}}}"#, now - 600, now - late),
        );
        assert!(bare_decode(&token).is_ok(), "jsonwebtoken accepts a token expired {late} s ago");
        assert_eq!(rsa_validator().validate(&token).unwrap_err(), JwtError::Expired);
    }
}

#[test]
fn gap_any_lifetime() {
    let now = now();
    let ten_years = rs256(
        RS_HEADER,
        &format!(r#"{{"iss":"{ISS}","sub":"u","aud":"{AUD}","iat":{now},"exp":{}}}"#, now + 10 * 365 * 86_400),
    );
    assert!(bare_decode(&ten_years).is_ok(), "jsonwebtoken accepts a ten-year token");
    assert_eq!(rsa_validator().validate(&ten_years).unwrap_err(), JwtError::LifetimeTooLong);
}

#[test]
fn gap_hmac_with_a_one_byte_key() {
    // jsonwebtoken 12 refuses an empty key, and nothing longer.
    assert!(EncodingKey::from_secret(b"").is_err() && DecodingKey::from_secret(b"").is_err());
    let key = b"x";
    let token = sign_raw(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        &claims_now(""),
        Algorithm::HS256,
        &EncodingKey::from_secret(key).unwrap(),
    );
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[AUD]);
    validation.set_issuer(&[ISS]);
    assert!(
        jsonwebtoken::decode::<Value>(&token, &DecodingKey::from_secret(key).unwrap(), &validation).is_ok(),
        "jsonwebtoken verifies HMAC with a one-byte key (e.g. a JWT_SECRET left at a placeholder), guessed at once"
    );
    // apishield: an empty (or short) secret cannot even be loaded, and
    // there is no way to build one from a literal.
    let dir = std::env::temp_dir().join(format!("apishield-gap-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for content in [&b""[..], b"12345678", b"\n"] {
        std::fs::write(dir.join("secret"), content).unwrap();
        assert_eq!(HmacSecret::from_file(dir.join("secret")).unwrap_err(), JwtKeyError::SecretTooShort { min: 32 });
    }
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(HmacSecret::from_env("APISHIELD_GAP_TEST_UNSET").unwrap_err(), JwtKeyError::SecretMissing);
}

#[test]
fn gap_typ_ignored() {
    let token = rs256(r#"{"alg":"RS256","typ":"JWT","kid":"rsa-1"}"#, &claims_now(""));
    assert!(bare_decode(&token).is_ok(), "jsonwebtoken has no typ check: an ID token passes as an access token");
    let key =
        JwtKey::from_pem(JwtAlgorithm::RS256, &fixture("test_rsa_public.pem")).unwrap().with_kid("rsa-1").unwrap();
    let validator = JwtValidator::builder(key).issuer(ISS).audience(AUD).token_type("at+jwt").build();
    assert_eq!(validator.validate(&token).unwrap_err(), JwtError::WrongType);
}

/// A gap jsonwebtoken 12 closed (11 accepted the token): both refuse.
#[test]
fn closed_crit_refused_by_both() {
    let token = rs256(r#"{"alg":"RS256","kid":"rsa-1","crit":["exp-ext"],"exp-ext":1}"#, &claims_now(""));
    assert!(bare_decode(&token).is_err(), "jsonwebtoken 12 refuses a critical extension it does not understand");
    assert_eq!(rsa_validator().validate(&token).unwrap_err(), JwtError::UnsupportedCrit);
}

#[test]
fn gap_a_multi_megabyte_token_is_parsed() {
    let token = rs256(RS_HEADER, &claims_now(&format!(r#""pad":"{}""#, "x".repeat(3 << 20))));
    assert!(token.len() > 4_000_000);
    let started = Instant::now();
    assert!(bare_decode(&token).is_ok(), "jsonwebtoken decodes, hashes and accepts a 4 MB token");
    let bare = started.elapsed();
    let started = Instant::now();
    assert_eq!(rsa_validator().validate(&token).unwrap_err(), JwtError::TooLarge);
    let ours = started.elapsed();
    eprintln!("4 MB token: jsonwebtoken {bare:?} to accept, JwtValidator {ours:?} to refuse");
    assert!(ours < bare);
}

#[test]
fn gap_a_duplicated_claim_takes_its_last_value() {
    let token = rs256(RS_HEADER, &claims_now(r#""role":"user","role":"admin""#));
    let claims = bare_decode(&token).expect("jsonwebtoken accepts duplicate claim names");
    assert_eq!(claims["role"], "admin", "and the last one wins");
    assert_eq!(rsa_validator().validate(&token).unwrap_err(), JwtError::DuplicateClaim);
}

#[test]
fn gap_iss_as_an_array() {
    let token = rs256(
        RS_HEADER,
        &claims_now("").replace(&format!(r#""iss":"{ISS}""#), &format!(r#""iss":["https://evil.example","{ISS}"]"#)),
    );
    assert!(bare_decode(&token).is_ok(), "jsonwebtoken accepts a list of issuers if one matches");
    assert_eq!(rsa_validator().validate(&token).unwrap_err(), JwtError::InvalidClaim(Claim::Iss));
}
