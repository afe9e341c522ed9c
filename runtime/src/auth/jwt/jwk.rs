//! JWK sets (RFC 7517): public keys by `kid`, as identity providers publish
//! them.
//!
//! Parsed here rather than with jsonwebtoken's `JwkSet`, which fails on a
//! whole set because of one key with an `alg` it does not know and keeps
//! private members it should refuse; each key is read on its own, checked,
//! and either used, skipped (not for signatures, not configured) or, if it
//! holds private material, the reason to refuse the set.

use serde_json::{Map, Value};

use super::algorithm::{JwtAlgorithm, KeyFamily};
use super::error::JwtKeyError;
use super::json::parse_object;
use super::keys::{JwtKey, JwtKeys};
use jsonwebtoken::DecodingKey;

/// Members that only private (or symmetric) keys have.
const PRIVATE_MEMBERS: [&str; 9] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k", "priv"];

pub(super) fn parse_set(json: &str, algorithms: &[JwtAlgorithm]) -> Result<JwtKeys, JwtKeyError> {
    let set = parse_object(json.as_bytes()).map_err(|_| JwtKeyError::InvalidJwkSet)?;
    let Some(Value::Array(entries)) = set.get("keys") else {
        return Err(JwtKeyError::InvalidJwkSet);
    };
    let mut keys = Vec::with_capacity(entries.len());
    for entry in entries {
        let Value::Object(jwk) = entry else {
            return Err(JwtKeyError::InvalidJwkSet);
        };
        if let Some(key) = parse_key(jwk, algorithms)? {
            keys.push(key);
        }
    }
    JwtKeys::new(keys)
}

/// One JWK: `Ok(None)` when it is skipped.
fn parse_key(jwk: &Map<String, Value>, algorithms: &[JwtAlgorithm]) -> Result<Option<JwtKey>, JwtKeyError> {
    let kty = text(jwk, "kty");
    if PRIVATE_MEMBERS.iter().any(|member| jwk.contains_key(*member)) || kty == Some("oct") {
        return Err(JwtKeyError::PrivateKeyMaterial);
    }
    if jwk.get("use").is_some_and(|u| u != "sig") {
        tracing::debug!("JWK skipped: not a signature key");
        return Ok(None);
    }
    if let Some(ops) = jwk.get("key_ops")
        && !ops.as_array().is_some_and(|ops| ops.iter().any(|op| op == "verify"))
    {
        tracing::debug!("JWK skipped: key_ops without verify");
        return Ok(None);
    }
    let Some(kid) = text(jwk, "kid") else {
        tracing::warn!("JWK skipped: no kid, so no token could select it");
        return Ok(None);
    };
    let curve = text(jwk, "crv");
    let fits = |alg: &JwtAlgorithm| match (kty, alg.family()) {
        (Some("RSA"), KeyFamily::Rsa) => true,
        (Some("EC"), KeyFamily::Ec) => {
            matches!((curve, alg), (Some("P-256"), JwtAlgorithm::ES256) | (Some("P-384"), JwtAlgorithm::ES384))
        }
        (Some("OKP"), KeyFamily::Ed) => curve == Some("Ed25519"),
        _ => false,
    };
    let algorithm = match text(jwk, "alg") {
        Some(name) => match JwtAlgorithm::from_name(name).filter(|alg| algorithms.contains(alg) && fits(alg)) {
            Some(alg) => alg,
            None => {
                tracing::debug!(kid, "JWK skipped: its alg is not configured or does not fit its key type");
                return Ok(None);
            }
        },
        None => {
            let mut fitting = algorithms.iter().copied().filter(fits);
            match (fitting.next(), fitting.next()) {
                (Some(alg), None) => alg,
                (Some(_), Some(_)) => return Err(JwtKeyError::AmbiguousAlgorithm),
                (None, _) => {
                    tracing::debug!(kid, "JWK skipped: no configured algorithm fits its key type");
                    return Ok(None);
                }
            }
        }
    };
    let member = |name| text(jwk, name).ok_or(JwtKeyError::InvalidKey);
    let key = match algorithm.family() {
        KeyFamily::Rsa => DecodingKey::from_rsa_components(member("n")?, member("e")?),
        KeyFamily::Ec => DecodingKey::from_ec_components(member("x")?, member("y")?),
        KeyFamily::Ed => DecodingKey::from_ed_components(member("x")?),
        KeyFamily::Hmac => return Err(JwtKeyError::PrivateKeyMaterial),
    }
    .map_err(|_| JwtKeyError::InvalidKey)?;
    JwtKey::checked(algorithm, key)?.with_kid(kid).map(Some)
}

fn text<'a>(jwk: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    jwk.get(name).and_then(Value::as_str)
}
