//! `JwtIssuer`: tokens with the validator's defaults, for tests, example
//! services and small systems that mint their own access tokens.

use std::fmt;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER;
use jsonwebtoken::jwk::EllipticCurve;
use jsonwebtoken::{DecodingKey, EncodingKey};
use serde::Serialize;
use serde_json::{Map, Value};

use super::algorithm::{JwtAlgorithm, KeyFamily};
use super::builder::{DEFAULT_MAX_LIFETIME, DEFAULT_ROLES_CLAIM};
use super::error::{JwtIssueError, JwtKeyError};
use super::keys::{JwtKey, MIN_RSA_BITS, checked_kid};
use super::secret::HmacSecret;
use crate::auth::Secret;
use crate::time::{Clock, SharedClock, secs};

/// The `typ` of issued tokens unless configured otherwise: `JWT`.
pub(crate) const DEFAULT_TOKEN_TYPE: &str = "JWT";

/// A private key (or HMAC secret) that signs tokens with one algorithm.
///
/// `Debug` shows the algorithm and key id only; the key bytes are wiped on
/// drop (jsonwebtoken zeroizes its keys).
#[derive(Clone)]
pub struct JwtSigningKey {
    algorithm: JwtAlgorithm,
    kid: Option<String>,
    key: EncodingKey,
}

impl JwtSigningKey {
    /// A private key in PEM: PKCS#8 `PRIVATE KEY` (RSA, P-256, P-384,
    /// Ed25519) or PKCS#1 `RSA PRIVATE KEY`.
    pub fn from_pem(algorithm: JwtAlgorithm, pem: &[u8]) -> Result<JwtSigningKey, JwtKeyError> {
        let key = match algorithm.family() {
            KeyFamily::Hmac => return Err(JwtKeyError::AlgorithmMismatch),
            KeyFamily::Rsa => EncodingKey::from_rsa_pem(pem),
            KeyFamily::Ec => EncodingKey::from_ec_pem(pem),
            KeyFamily::Ed => EncodingKey::from_ed_pem(pem),
        }
        .map_err(|_| JwtKeyError::InvalidKey)?;
        if algorithm.family() == KeyFamily::Rsa {
            let (n, _) = (DEFAULT_PROVIDER.key_utils.rsa_pub_components_from_private_key)(key.as_bytes())
                .map_err(|_| JwtKeyError::InvalidKey)?;
            let bits = n.iter().position(|&b| b != 0).map_or(0, |i| (n.len() - i) * 8 - n[i].leading_zeros() as usize);
            if bits < MIN_RSA_BITS {
                return Err(JwtKeyError::WeakRsaKey);
            }
        }
        (DEFAULT_PROVIDER.signer_factory)(&algorithm.to_jsonwebtoken(), &key).map_err(|_| JwtKeyError::InvalidKey)?;
        Ok(JwtSigningKey { algorithm, kid: None, key })
    }

    /// An HMAC key: HS256, HS384 or HS512 with a secret at least as long as
    /// the hash (32, 48 or 64 bytes). The validator needs the same secret.
    pub fn hmac(algorithm: JwtAlgorithm, secret: &HmacSecret) -> Result<JwtSigningKey, JwtKeyError> {
        if !algorithm.is_hmac() {
            return Err(JwtKeyError::AlgorithmMismatch);
        }
        if secret.byte_len() < algorithm.min_secret_len() {
            return Err(JwtKeyError::SecretTooShort { min: algorithm.min_secret_len() });
        }
        // jsonwebtoken refuses only empty secrets, which the length check excludes.
        let key = EncodingKey::from_secret(secret.expose()).map_err(|_| JwtKeyError::InvalidKey)?;
        Ok(JwtSigningKey { algorithm, kid: None, key })
    }

    /// The same key with a key id, written into every token's `kid` header.
    pub fn with_kid(mut self, kid: impl Into<String>) -> Result<JwtSigningKey, JwtKeyError> {
        self.kid = Some(checked_kid(kid.into())?);
        Ok(self)
    }

    /// The algorithm.
    pub fn algorithm(&self) -> JwtAlgorithm {
        self.algorithm
    }

    /// The key id, if any.
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// The key that verifies this key's tokens (the public half, or the same
    /// HMAC secret), with the same algorithm and key id: what a
    /// [`JwtValidator`](super::JwtValidator) in the same program or test
    /// needs.
    pub fn verification_key(&self) -> Result<JwtKey, JwtKeyError> {
        let utils = &DEFAULT_PROVIDER.key_utils;
        let bytes = self.key.as_bytes();
        let key = match self.algorithm.family() {
            KeyFamily::Hmac => DecodingKey::from_secret(bytes).map_err(|_| JwtKeyError::InvalidKey)?,
            KeyFamily::Rsa => {
                let (n, e) = (utils.rsa_pub_components_from_private_key)(bytes).map_err(|_| JwtKeyError::InvalidKey)?;
                DecodingKey::from_rsa_raw_components(&n, &e)
            }
            KeyFamily::Ec => {
                let (_, x, y) = (utils.ec_pub_components_from_private_key)(bytes, self.algorithm.to_jsonwebtoken())
                    .map_err(|_| JwtKeyError::InvalidKey)?;
                let mut point = Vec::with_capacity(1 + x.len() + y.len());
                point.push(0x04);
                point.extend_from_slice(&x);
                point.extend_from_slice(&y);
                DecodingKey::from_ec_der(&point)
            }
            KeyFamily::Ed => {
                let x = (utils.ed_pub_components_from_private_key)(bytes, &EllipticCurve::Ed25519)
                    .map_err(|_| JwtKeyError::InvalidKey)?;
                DecodingKey::from_ed_der(&x)
            }
        };
        let key = JwtKey::checked(self.algorithm, key)?;
        match &self.kid {
            Some(kid) => key.with_kid(kid.clone()),
            None => Ok(key),
        }
    }
}

impl fmt::Debug for JwtSigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtSigningKey")
            .field("algorithm", &self.algorithm)
            .field("kid", &self.kid)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

/// Mints tokens that a [`JwtValidator`](super::JwtValidator) with the same
/// issuer and audience accepts: `iss`, `sub`, `aud`, `iat` (now), `exp`
/// (now + 15 minutes), a random `jti` (128 bits), `typ` `JWT` and the key's
/// `kid` in the header.
///
/// | Setting | Default |
/// | --- | --- |
/// | lifetime | 15 min, the validator's default maximum |
/// | `typ` | `JWT`; `at+jwt` with [`token_type`](Self::token_type) |
/// | roles claim | `roles` |
///
/// Tokens come back as [`Secret<String>`]: a bearer token is a credential.
///
/// For tests, development issuers and services that mint their own
/// short-lived tokens. RSA signing (RS*/PS*) goes through the `rsa` crate,
/// which has a timing side channel on private-key operations
/// (RUSTSEC-2023-0071, no fixed release): where an attacker can time many
/// signatures, sign with ES256 or EdDSA, or let the identity provider mint
/// the tokens. Verification is not affected (public keys only).
///
/// ```
/// use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtIssuer, JwtSigningKey};
///
/// let key = JwtSigningKey::hmac(JwtAlgorithm::HS256, &HmacSecret::generate()?)?;
/// let issuer = JwtIssuer::new(key, "https://auth.example.com", "orders-api");
/// let token = issuer.issue("user-42")?;
/// let token = issuer.token("svc-billing").scopes(["orders:read"]).claim("tenant", "acme").sign()?;
/// # let _ = token;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct JwtIssuer {
    key: JwtSigningKey,
    issuer: String,
    audience: String,
    lifetime: Duration,
    token_type: String,
    roles_claim: String,
    clock: SharedClock,
}

impl JwtIssuer {
    /// An issuer signing with `key` as `issuer`, for `audience`.
    pub fn new(key: JwtSigningKey, issuer: impl Into<String>, audience: impl Into<String>) -> JwtIssuer {
        JwtIssuer {
            key,
            issuer: issuer.into(),
            audience: audience.into(),
            lifetime: DEFAULT_MAX_LIFETIME,
            token_type: DEFAULT_TOKEN_TYPE.to_owned(),
            roles_claim: DEFAULT_ROLES_CLAIM.to_owned(),
            clock: SharedClock::system(),
        }
    }

    /// The lifetime of every token (default 15 minutes). A validator refuses
    /// tokens living longer than its own maximum, 15 minutes by default.
    #[must_use]
    pub fn lifetime(mut self, lifetime: Duration) -> JwtIssuer {
        self.lifetime = lifetime;
        self
    }

    /// The `typ` header (default `JWT`; RFC 9068 access tokens use `at+jwt`).
    #[must_use]
    pub fn token_type(mut self, typ: impl Into<String>) -> JwtIssuer {
        self.token_type = typ.into();
        self
    }

    /// The name of the roles claim (default `roles`).
    #[must_use]
    pub fn roles_claim(mut self, name: impl Into<String>) -> JwtIssuer {
        self.roles_claim = name.into();
        self
    }

    /// Reads `iat` from `clock` instead of the
    /// [`SystemClock`](crate::time::SystemClock).
    #[must_use]
    pub fn clock(mut self, clock: impl Clock) -> JwtIssuer {
        self.clock = SharedClock::new(clock);
        self
    }

    /// The lifetime of the tokens it mints (the `expires_in` of a token
    /// response, the `Max-Age` of an access-token cookie).
    pub fn get_lifetime(&self) -> Duration {
        self.lifetime
    }

    /// The signing key.
    pub fn signing_key(&self) -> &JwtSigningKey {
        &self.key
    }

    /// A token for `subject` with the defaults and no roles or scopes.
    pub fn issue(&self, subject: impl Into<String>) -> Result<Secret<String>, JwtIssueError> {
        self.token(subject).sign()
    }

    /// A token for `subject`, to complete with roles, scopes and claims.
    pub fn token(&self, subject: impl Into<String>) -> TokenBuilder<'_> {
        TokenBuilder {
            issuer: self,
            subject: subject.into(),
            claims: Map::new(),
            issued_at: None,
            lifetime: self.lifetime,
            not_before: None,
            token_id: None,
            error: None,
        }
    }
}

/// One token being minted; made by [`JwtIssuer::token`].
#[derive(Debug)]
#[must_use = "a token builder does nothing until `.sign()`"]
pub struct TokenBuilder<'a> {
    issuer: &'a JwtIssuer,
    subject: String,
    claims: Map<String, Value>,
    issued_at: Option<i64>,
    lifetime: Duration,
    not_before: Option<i64>,
    token_id: Option<String>,
    error: Option<JwtIssueError>,
}

impl TokenBuilder<'_> {
    /// Roles, as an array in the roles claim.
    pub fn roles<I, R>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = R>,
        R: Into<String>,
    {
        let roles = roles.into_iter().map(|r| Value::String(r.into())).collect();
        self.claims.insert(self.issuer.roles_claim.clone(), Value::Array(roles));
        self
    }

    /// Scopes, as the space-separated `scope` claim.
    pub fn scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        self.claims.insert("scope".to_owned(), Value::String(scopes.join(" ")));
        self
    }

    /// A custom claim. Registered names (`iss`, `sub`, `aud`, `exp`, `iat`,
    /// `nbf`, `jti`), the roles claim and `scope` are refused: `sign()` then
    /// fails with [`JwtIssueError::ReservedClaim`].
    pub fn claim(mut self, name: impl Into<String>, value: impl Serialize) -> Self {
        let name = name.into();
        let reserved = ["iss", "sub", "aud", "exp", "iat", "nbf", "jti", "scope"];
        if reserved.contains(&name.as_str()) || name == self.issuer.roles_claim {
            self.error.get_or_insert(JwtIssueError::ReservedClaim);
            return self;
        }
        match serde_json::to_value(value) {
            Ok(value) => {
                self.claims.insert(name, value);
            }
            Err(_) => {
                self.error.get_or_insert(JwtIssueError::InvalidClaim);
            }
        }
        self
    }

    /// The issue time, in Unix seconds (default: now). For tests of expiry
    /// and clock skew.
    pub fn issued_at(mut self, unix_secs: i64) -> Self {
        self.issued_at = Some(unix_secs);
        self
    }

    /// The lifetime of this token (default: the issuer's).
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = lifetime;
        self
    }

    /// An `nbf` claim, in Unix seconds (default: none).
    pub fn not_before(mut self, unix_secs: i64) -> Self {
        self.not_before = Some(unix_secs);
        self
    }

    /// The `jti` (default: 128 random bits in base64url), for a caller that
    /// must know it before the token exists (to record it, to revoke the
    /// token later). An empty one makes `sign()` fail with
    /// [`JwtIssueError::InvalidClaim`].
    pub fn token_id(mut self, jti: impl Into<String>) -> Self {
        self.token_id = Some(jti.into());
        self
    }

    /// Signs the token.
    pub fn sign(self) -> Result<Secret<String>, JwtIssueError> {
        if let Some(error) = self.error {
            return Err(error);
        }
        if self.subject.is_empty() {
            return Err(JwtIssueError::EmptySubject);
        }
        let issuer = self.issuer;
        let issued_at = self.issued_at.unwrap_or_else(|| issuer.clock.now_secs());
        let jti = match self.token_id {
            Some(jti) if jti.is_empty() => return Err(JwtIssueError::InvalidClaim),
            Some(jti) => jti,
            None => {
                let mut bytes = [0u8; 16];
                getrandom::fill(&mut bytes).map_err(|_| JwtIssueError::Randomness)?;
                URL_SAFE_NO_PAD.encode(bytes)
            }
        };

        let mut header = Map::new();
        header.insert("alg".to_owned(), Value::from(issuer.key.algorithm.as_str()));
        header.insert("typ".to_owned(), Value::from(issuer.token_type.as_str()));
        if let Some(kid) = &issuer.key.kid {
            header.insert("kid".to_owned(), Value::from(kid.as_str()));
        }
        let mut claims = self.claims;
        claims.insert("iss".to_owned(), Value::from(issuer.issuer.as_str()));
        claims.insert("sub".to_owned(), Value::from(self.subject));
        claims.insert("aud".to_owned(), Value::from(issuer.audience.as_str()));
        claims.insert("iat".to_owned(), Value::from(issued_at));
        claims.insert("exp".to_owned(), Value::from(issued_at.saturating_add(secs(self.lifetime))));
        if let Some(nbf) = self.not_before {
            claims.insert("nbf".to_owned(), Value::from(nbf));
        }
        claims.insert("jti".to_owned(), Value::from(jti));

        let header = serde_json::to_vec(&header).map_err(|_| JwtIssueError::InvalidClaim)?;
        let claims = serde_json::to_vec(&claims).map_err(|_| JwtIssueError::InvalidClaim)?;
        let mut token = String::with_capacity((header.len() + claims.len()) * 4 / 3 + 400);
        URL_SAFE_NO_PAD.encode_string(&header, &mut token);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&claims, &mut token);
        let signer = (DEFAULT_PROVIDER.signer_factory)(&issuer.key.algorithm.to_jsonwebtoken(), &issuer.key.key)
            .map_err(|_| JwtIssueError::Signing)?;
        let signature = signer.try_sign(token.as_bytes()).map_err(|_| JwtIssueError::Signing)?;
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&signature, &mut token);
        Ok(Secret::new(token))
    }
}
