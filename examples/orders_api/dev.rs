//! The development identity provider: mints RS256 tokens with the
//! repository's **test** key pair (`tests/fixtures/keys`), whose private key
//! is public. A token it signs proves nothing outside a developer's machine;
//! in production the service verifies your identity provider's keys
//! ([`JwtConfig`](super::config::JwtConfig), e.g. from its JWK set) and this
//! module is deleted.

use std::time::Duration;

use apishield::Secret;
use apishield::auth::jwt::{JwtAlgorithm, JwtIssuer, JwtSigningKey};

/// The development issuer's `iss`.
pub const ISSUER: &str = "https://id.orders-api.localhost";
/// The audience of the service's tokens.
pub const AUDIENCE: &str = "orders-api";
/// The key id of the development key.
pub const KEY_ID: &str = "dev-2026";
/// The development public key (the test key of `tests/fixtures/keys`).
pub const PUBLIC_KEY_PEM: &str = include_str!("../../tests/fixtures/keys/test_rsa_public.pem");
/// The development private key: public, in the repository. Never deploy it.
const PRIVATE_KEY_PEM: &str = include_str!("../../tests/fixtures/keys/test_rsa_private.pem");

/// The scopes a development token carries.
pub const DEV_SCOPES: [&str; 3] = ["orders:read", "orders:write", "payments:write"];

/// Mints development tokens.
#[derive(Debug)]
pub struct DevIssuer {
    issuer: JwtIssuer,
}

/// A token could not be minted (a bad key: a broken checkout).
#[derive(Debug)]
pub struct DevIssuerError(String);

impl std::fmt::Display for DevIssuerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "development issuer: {}", self.0)
    }
}

impl std::error::Error for DevIssuerError {}

impl DevIssuer {
    /// The issuer, with tokens valid for 15 minutes.
    pub fn new() -> Result<DevIssuer, DevIssuerError> {
        let key = JwtSigningKey::from_pem(JwtAlgorithm::RS256, PRIVATE_KEY_PEM.as_bytes())
            .and_then(|key| key.with_kid(KEY_ID))
            .map_err(|e| DevIssuerError(e.to_string()))?;
        Ok(DevIssuer { issuer: JwtIssuer::new(key, ISSUER, AUDIENCE).lifetime(Duration::from_secs(15 * 60)) })
    }

    /// A token for `subject` with `roles` (`admin`, `paid`) and `scopes`.
    pub fn token(&self, subject: &str, roles: &[&str], scopes: &[&str]) -> Result<Secret<String>, DevIssuerError> {
        self.issuer
            .token(subject)
            .roles(roles.iter().copied())
            .scopes(scopes.iter().copied())
            .sign()
            .map_err(|e| DevIssuerError(e.to_string()))
    }

    /// A token for `subject` with the usual scopes ([`DEV_SCOPES`]).
    pub fn user_token(&self, subject: &str, roles: &[&str]) -> Result<Secret<String>, DevIssuerError> {
        self.token(subject, roles, &DEV_SCOPES)
    }
}
