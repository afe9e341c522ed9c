//! Shared by the `auth_*` tests: the committed test keys, validators and
//! issuers built from them, and a signer of arbitrary (hostile) header and
//! payload bytes.

#![allow(dead_code)] // each test file uses a different part

pub mod api_keys;

use apishield::auth::jwt::{JwtAlgorithm, JwtIssuer, JwtKey, JwtSigningKey, JwtValidator};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey};

pub const ISS: &str = "https://auth.example.com";
pub const AUD: &str = "orders-api";
/// A fixed "now" for token times: 2024-01-01T00:00:00Z.
pub const NOW: i64 = 1_704_067_200;

/// A committed test key (`tests/fixtures/keys/`).
pub fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/keys").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `header.payload.signature` over arbitrary JSON text, signed with
/// jsonwebtoken's own primitive: how an attacker (or a buggy issuer) can
/// produce tokens no well-behaved encoder would.
pub fn sign_raw(header: &str, payload: &str, alg: Algorithm, key: &EncodingKey) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let signature = jsonwebtoken::crypto::sign(input.as_bytes(), key, alg).unwrap();
    format!("{input}.{signature}")
}

/// An HS256 token over raw header and claims text with any key, the empty
/// one included (jsonwebtoken 12 refuses to make an empty HMAC key; an
/// attacker's signer does not ask).
pub fn hs256_raw(header: &str, payload: &str, key: &[u8]) -> String {
    use hmac::{KeyInit, Mac};
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key).unwrap();
    mac.update(input.as_bytes());
    format!("{input}.{}", b64(&mac.finalize().into_bytes()))
}

/// The test RSA private key, as jsonwebtoken's encoding key.
pub fn rsa_encoding_key() -> EncodingKey {
    EncodingKey::from_rsa_pem(&fixture("test_rsa_private.pem")).unwrap()
}

/// Valid claims at [`NOW`] with a 15-minute lifetime, plus `extra` members
/// (JSON text without braces, may be empty).
pub fn claims(extra: &str) -> String {
    let base = format!(r#""iss":"{ISS}","sub":"user-42","aud":"{AUD}","iat":{NOW},"exp":{},"jti":"t1""#, NOW + 900);
    if extra.is_empty() { format!("{{{base}}}") } else { format!("{{{base},{extra}}}") }
}

/// An RS256 token over raw header and claims text, with the test key.
pub fn rs256(header: &str, payload: &str) -> String {
    sign_raw(header, payload, Algorithm::RS256, &rsa_encoding_key())
}

/// The validator of the RS256 test key (kid `rsa-1`).
pub fn rsa_validator() -> JwtValidator {
    let key =
        JwtKey::from_pem(JwtAlgorithm::RS256, &fixture("test_rsa_public.pem")).unwrap().with_kid("rsa-1").unwrap();
    JwtValidator::builder(key).issuer(ISS).audience(AUD).build()
}

/// An issuer with the RS256 test key (kid `rsa-1`).
pub fn rsa_issuer() -> JwtIssuer {
    let key = JwtSigningKey::from_pem(JwtAlgorithm::RS256, &fixture("test_rsa_private.pem"))
        .unwrap()
        .with_kid("rsa-1")
        .unwrap();
    JwtIssuer::new(key, ISS, AUD)
}

/// The validator of the ES256 test key (kid `ec-1`).
pub fn ec_validator() -> JwtValidator {
    let key =
        JwtKey::from_pem(JwtAlgorithm::ES256, &fixture("test_ec_p256_public.pem")).unwrap().with_kid("ec-1").unwrap();
    JwtValidator::builder(key).issuer(ISS).audience(AUD).build()
}

/// The RS256 header with kid `rsa-1`.
pub const RS_HEADER: &str = r#"{"alg":"RS256","typ":"JWT","kid":"rsa-1"}"#;
