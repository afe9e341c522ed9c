//! A validated token's claims, and the [`Principal`] they make.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::algorithm::JwtAlgorithm;
use super::error::{Claim, JwtError};
use crate::auth::Principal;

/// A token that passed every check of a [`JwtValidator`](super::JwtValidator):
/// signature, algorithm, key, type, issuer, audience, times. Only the
/// validator makes one, so a function that takes `&ValidatedToken` cannot be
/// handed an unchecked token.
///
/// Cheap to clone: the claims are shared (the validator's cache of verified
/// tokens hands out the same ones to every request that presents the token).
///
/// Its `Debug` shows the claims (who the caller is), never the token or its
/// signature.
#[derive(Clone)]
pub struct ValidatedToken(pub(super) Arc<TokenClaims>);

/// What a [`ValidatedToken`] holds (its `Debug` lists these fields under
/// the token's own name).
pub(super) struct TokenClaims {
    pub(super) claims: Map<String, Value>,
    pub(super) subject: String,
    pub(super) issuer: Arc<str>,
    pub(super) audience: Vec<String>,
    pub(super) expires_at: i64,
    pub(super) issued_at: i64,
    pub(super) not_before: Option<i64>,
    pub(super) algorithm: JwtAlgorithm,
    pub(super) kid: Option<String>,
    pub(super) roles_claim: Arc<str>,
    /// Made by an [`ExternalIssuer`](super::ExternalIssuer).
    pub(super) external: bool,
    /// Whether the issuer's roles claim makes roles here.
    pub(super) trust_roles: bool,
    /// The principal of [`ValidatedToken::principal`], once made.
    pub(super) principal: std::sync::OnceLock<Principal>,
}

impl fmt::Debug for ValidatedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &*self.0;
        f.debug_struct("ValidatedToken")
            .field("claims", &t.claims)
            .field("subject", &t.subject)
            .field("issuer", &t.issuer)
            .field("audience", &t.audience)
            .field("expires_at", &t.expires_at)
            .field("issued_at", &t.issued_at)
            .field("not_before", &t.not_before)
            .field("algorithm", &t.algorithm)
            .field("kid", &t.kid)
            .field("roles_claim", &t.roles_claim)
            .field("external", &t.external)
            .field("trust_roles", &t.trust_roles)
            .finish()
    }
}

impl ValidatedToken {
    /// `sub`: the caller's user or service id.
    pub fn subject(&self) -> &str {
        &self.0.subject
    }

    /// `iss`: who issued the token (one of the configured issuers).
    pub fn issuer(&self) -> &str {
        &self.0.issuer
    }

    /// Whether the issuer is an [`ExternalIssuer`](super::ExternalIssuer),
    /// not the home one.
    pub fn is_external(&self) -> bool {
        self.0.external
    }

    /// `aud`: the audiences, as a list even when the token had one string.
    pub fn audience(&self) -> &[String] {
        &self.0.audience
    }

    /// `exp`, in Unix seconds.
    pub fn expires_at(&self) -> i64 {
        self.0.expires_at
    }

    /// `iat`, in Unix seconds.
    pub fn issued_at(&self) -> i64 {
        self.0.issued_at
    }

    /// `nbf`, in Unix seconds, if the token had one.
    pub fn not_before(&self) -> Option<i64> {
        self.0.not_before
    }

    /// `jti`, the token id, if any: the key for a revocation list.
    pub fn token_id(&self) -> Option<&str> {
        self.0.claims.get("jti").and_then(Value::as_str)
    }

    /// What a denylist knows this token by: its `jti` for a token of the
    /// home issuer (the ids this service mints), or, for an
    /// [`ExternalIssuer`](super::ExternalIssuer)'s token, `ext:` and the
    /// issuer's length and name before the `jti` (`ext:26:https://idp.example.com42`):
    /// two issuers' token ids are chosen apart, and a partner's `jti` `42`
    /// revoked must not revoke every issuer's `42`. `None` without a `jti`.
    pub fn revocation_id(&self) -> Option<std::borrow::Cow<'_, str>> {
        let jti = self.token_id()?;
        if !self.is_external() {
            return Some(std::borrow::Cow::Borrowed(jti));
        }
        let issuer = self.issuer();
        Some(std::borrow::Cow::Owned(format!("ext:{}:{issuer}{jti}", issuer.len())))
    }

    /// The algorithm that verified the signature.
    pub fn algorithm(&self) -> JwtAlgorithm {
        self.0.algorithm
    }

    /// The `kid` of the key that verified the signature, if it had one.
    pub fn kid(&self) -> Option<&str> {
        self.0.kid.as_deref()
    }

    /// One claim, registered or custom.
    pub fn claim(&self, name: &str) -> Option<&Value> {
        self.0.claims.get(name)
    }

    /// Every claim.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.0.claims
    }

    /// The claims as your own type (custom claims: tenant, plan, ...).
    /// Fails with [`JwtError::Json`] if they do not fit it.
    pub fn deserialize_claims<T: DeserializeOwned>(&self) -> Result<T, JwtError> {
        T::deserialize(&Value::Object(self.0.claims.clone())).map_err(|_| JwtError::Json)
    }

    /// The roles: the roles claim (`roles` unless the validator was
    /// configured with another name), an array of strings or one string.
    pub fn roles(&self) -> impl Iterator<Item = &str> {
        strings(self.0.claims.get(&*self.0.roles_claim), false)
    }

    /// The scopes: `scope` (a space-separated string, RFC 8693 and RFC 9068)
    /// and `scp` (an array, or a space-separated string as some providers
    /// send it), together.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        strings(self.0.claims.get("scope"), true).chain(strings(self.0.claims.get("scp"), true))
    }

    /// The authenticated caller: issuer, subject, roles and scopes. A home
    /// issuer's token makes a home principal; an external issuer's an
    /// external one, with roles only if that issuer's roles are trusted.
    pub fn principal(&self) -> Principal {
        // Made once per token: a remembered token's requests share it.
        self.0.principal.get_or_init(|| self.make_principal()).clone()
    }

    fn make_principal(&self) -> Principal {
        let principal = if self.0.external {
            Principal::external(Arc::clone(&self.0.issuer), self.0.subject.clone())
        } else {
            Principal::home(Arc::clone(&self.0.issuer), self.0.subject.clone())
        };
        let principal = principal.with_scopes(self.scopes());
        if self.0.trust_roles { principal.with_roles(self.roles()) } else { principal }
    }
}

impl From<&ValidatedToken> for Principal {
    fn from(token: &ValidatedToken) -> Principal {
        token.principal()
    }
}

impl From<ValidatedToken> for Principal {
    fn from(token: ValidatedToken) -> Principal {
        token.principal()
    }
}

/// The strings of a claim that is a string (split on whitespace if `split`)
/// or an array of strings; shapes were checked by the validator.
fn strings(value: Option<&Value>, split: bool) -> Box<dyn Iterator<Item = &str> + '_> {
    match value {
        Some(Value::String(s)) if split => Box::new(s.split_ascii_whitespace()),
        Some(Value::String(s)) => Box::new(std::iter::once(s.as_str())),
        Some(Value::Array(items)) => Box::new(items.iter().filter_map(Value::as_str)),
        _ => Box::new(std::iter::empty()),
    }
}

/// Checks that an optional claim is a string or an array of strings.
pub(super) fn check_string_or_list(value: Option<&Value>, claim: Claim) -> Result<(), JwtError> {
    match value {
        None | Some(Value::String(_)) => Ok(()),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => Ok(()),
        Some(_) => Err(JwtError::InvalidClaim(claim)),
    }
}
