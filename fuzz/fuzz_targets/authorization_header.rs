//! Arbitrary `Authorization` header values into the strict parser, the API
//! key parser and the JWT validator: never a panic; what is accepted is
//! exactly `<scheme> <credential>` with nothing lenient about it.
#![no_main]

use std::sync::LazyLock;

use apishield::auth::api_key::ApiKey;
use apishield::auth::credentials::Credentials;
use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtKey, JwtValidator};
use libfuzzer_sys::fuzz_target;

static VALIDATOR: LazyLock<JwtValidator> = LazyLock::new(|| {
    let secret = HmacSecret::generate().expect("OS randomness");
    let key = JwtKey::hmac(JwtAlgorithm::HS256, &secret).expect("a 64-byte secret");
    JwtValidator::builder(key).issuer("https://auth.example.com").audience("api").build()
});

fuzz_target!(|data: &[u8]| {
    let Ok(value) = std::str::from_utf8(data) else { return };
    match Credentials::from_authorization(value) {
        Ok(Credentials::ApiKey(key)) => {
            let (scheme, rest) = value.split_once(' ').expect("one space");
            assert!(scheme.eq_ignore_ascii_case("apikey"));
            assert_eq!(key.expose_secret(), rest);
            assert_eq!(ApiKey::parse(rest).expect("same key").hash(), key.hash());
            assert_eq!(ApiKey::from_authorization(value).expect("same key").hash(), key.hash());
        }
        Ok(Credentials::Bearer(token)) => {
            assert!(value.len() == token.len() + 7 && value[..6].eq_ignore_ascii_case("bearer"));
            assert!(!token.is_empty() && !token.bytes().any(|b| b.is_ascii_whitespace()));
            // A random "token" is never valid, whatever it looks like.
            assert!(VALIDATOR.validate(token).is_err());
        }
        Err(_) => assert!(ApiKey::from_authorization(value).is_err()),
    }
    let _ = ApiKey::parse(value);
    assert!(VALIDATOR.validate(value).is_err());
});
