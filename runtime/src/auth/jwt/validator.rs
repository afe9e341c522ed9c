//! `JwtValidator::validate`: every check, in an order where nothing from the
//! token is trusted before its signature verified.
//!
//! 1. size, before any decoding;
//! 2. shape: three segments, each canonical base64url; header and payload
//!    strict JSON objects (no duplicate names);
//! 3. header policy: `alg` not `none`; no `crit`; no `jku`/`x5u`/`jwk`/`x5c`;
//!    `typ` if configured; a plain `kid`;
//! 4. the issuer: `iss` names one configured issuer, whose keys alone are
//!    used from here on (one identity provider's key never vouches for
//!    another's token); `alg` one of those keys' algorithms; the `kid`
//!    selects exactly one of them, whose own algorithm is the header's;
//! 5. the signature, with the key's configured algorithm;
//! 6. claims: required ones present and well-typed, audience, times.
//!
//! Steps 1 to 4 only ever *reject*: the token chooses nothing but which of
//! the configured keys to use, and the algorithm list is the keys' own.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::algorithm::JwtAlgorithm;
use super::builder::{JwtValidatorBuilder, normalize_type};
use super::claims::{TokenClaims, ValidatedToken, check_string_or_list};
use super::error::{Claim, JwtError};
use super::json::{StrictJsonError, parse_object};
use super::keys::{JwtKeys, is_valid_kid};
#[cfg(feature = "jwks")]
use super::remote::RemoteJwks;
use super::source::{JwtKeySource, SourceKind};
use super::verified::VerifiedTokens;
use crate::auth::token::MAX_JTI_LEN;
use crate::auth::token::SharedDenylist;
use crate::time::{Clock, SharedClock};

/// Header parameters that carry a key or say where to fetch one. Trusting
/// them lets the token choose its own verification key.
const KEY_HEADERS: [&str; 4] = ["jku", "x5u", "jwk", "x5c"];

/// Validates JWTs with safe defaults that cannot be turned off: a
/// configured issuer and audience (a compile error without them), required
/// `sub`/`exp`/`iat`/`iss`/`aud`, `nbf` honoured, a maximum lifetime, a
/// small leeway, a size limit, explicit algorithms from the keys, strict
/// JSON, no `crit`, no keys from headers. See [`JwtError`] for every reason a
/// token is refused.
///
/// Cheap to clone (the configuration is shared), `Send + Sync`.
///
/// ```
/// use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtError, JwtIssuer, JwtKey, JwtSigningKey, JwtValidator};
///
/// let secret = HmacSecret::generate()?;
/// let issuer = JwtIssuer::new(JwtSigningKey::hmac(JwtAlgorithm::HS256, &secret)?, "https://auth.example.com", "orders-api");
/// let validator = JwtValidator::builder(JwtKey::hmac(JwtAlgorithm::HS256, &secret)?)
///     .issuer("https://auth.example.com")
///     .audience("orders-api")
///     .build();
///
/// let token = issuer.token("user-42").roles(["editor"]).sign().unwrap();
/// let valid = validator.validate(token.expose_secret()).unwrap();
/// assert_eq!(valid.subject(), "user-42");
/// assert!(valid.principal().has_role("editor"));
///
/// assert_eq!(validator.validate("eyJhbGciOiJub25lIn0.e30.").unwrap_err(), JwtError::AlgorithmNone);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct JwtValidator {
    config: Arc<Config>,
}

pub(super) struct Config {
    /// The home issuer first, then the external ones.
    pub(super) issuers: Box<[TrustedIssuer]>,
    pub(super) audiences: Box<[String]>,
    pub(super) leeway: i64,
    pub(super) max_lifetime: i64,
    pub(super) max_token_size: usize,
    pub(super) token_type: Option<String>,
    pub(super) roles_claim: Arc<str>,
    pub(super) clock: SharedClock,
    /// Revoked `jti`s, asked by `validate_async` after every other check.
    pub(super) denylist: Option<SharedDenylist>,
    /// Tokens that passed, with the keys that verified them; `None` when
    /// turned off.
    pub(super) verified: Option<VerifiedTokens>,
}

/// An accepted issuer and the keys that verify its tokens.
pub(super) struct TrustedIssuer {
    pub(super) name: String,
    keys: IssuerKeys,
    pub(super) external: bool,
    pub(super) trust_roles: bool,
}

enum IssuerKeys {
    Fixed(RwLock<Arc<JwtKeys>>),
    #[cfg(feature = "jwks")]
    Remote(RemoteJwks),
}

impl TrustedIssuer {
    pub(super) fn new(name: String, keys: JwtKeySource, external: bool, trust_roles: bool) -> TrustedIssuer {
        let keys = match keys.kind {
            SourceKind::Fixed(keys) => IssuerKeys::Fixed(RwLock::new(Arc::new(keys))),
            #[cfg(feature = "jwks")]
            SourceKind::Remote(remote) => {
                if remote.issuer().is_some_and(|discovered| discovered != name) {
                    tracing::error!(
                        issuer = %name,
                        "JWT issuer: its keys were discovered for another issuer; every token of it will be refused"
                    );
                }
                IssuerKeys::Remote(remote)
            }
        };
        TrustedIssuer { name, keys, external, trust_roles }
    }

    fn keys(&self) -> Arc<JwtKeys> {
        match &self.keys {
            IssuerKeys::Fixed(keys) => Arc::clone(&keys.read().unwrap_or_else(PoisonError::into_inner)),
            #[cfg(feature = "jwks")]
            IssuerKeys::Remote(remote) => remote.keys(),
        }
    }

    /// The keys that verify this issuer's tokens: none if they were
    /// discovered for another issuer (a configuration mistake that must not
    /// let one provider's keys vouch for another's tokens).
    pub(super) fn keys_for_tokens(&self) -> Result<Arc<JwtKeys>, JwtError> {
        #[cfg(feature = "jwks")]
        if let IssuerKeys::Remote(remote) = &self.keys
            && remote.issuer().is_some_and(|discovered| discovered != self.name)
        {
            return Err(JwtError::WrongIssuer);
        }
        Ok(self.keys())
    }

    fn replace(&self, keys: JwtKeys) {
        match &self.keys {
            IssuerKeys::Fixed(current) => *current.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys),
            #[cfg(feature = "jwks")]
            IssuerKeys::Remote(remote) => remote.replace(keys),
        }
    }

    #[cfg(feature = "jwks")]
    fn remote(&self) -> Option<&RemoteJwks> {
        match &self.keys {
            IssuerKeys::Remote(remote) => Some(remote),
            IssuerKeys::Fixed(_) => None,
        }
    }
}

impl JwtValidator {
    /// Starts configuring a validator for these keys: one [`JwtKey`], a
    /// [`JwtKeys`] set (e.g. from a JWK set) or, feature `jwks`, a
    /// [`RemoteJwks`](super::RemoteJwks) fetched from the identity provider.
    /// Then `.issuer(..)`, `.audience(..)`, `.build()`.
    ///
    /// [`JwtKey`]: super::JwtKey
    pub fn builder(keys: impl Into<JwtKeySource>) -> JwtValidatorBuilder {
        JwtValidatorBuilder::new(keys.into())
    }

    pub(super) fn from_config(config: Config) -> JwtValidator {
        JwtValidator { config: Arc::new(config) }
    }

    /// Validates a compact JWT (the part after `Bearer `) now (the
    /// builder's [`clock`](JwtValidatorBuilder::clock)).
    ///
    /// With keys from a [`RemoteJwks`](super::RemoteJwks), a token whose
    /// `kid` the cached set lacks is refused ([`JwtError::UnknownKid`]) and
    /// a refetch is started in the background (at most once per refetch
    /// interval); async code calls [`validate_async`](Self::validate_async),
    /// which waits for it.
    ///
    /// A validator with a [`denylist`](JwtValidatorBuilder::denylist)
    /// refuses every token here ([`JwtError::RevocationUnchecked`]): only
    /// [`validate_async`](Self::validate_async) asks the denylist.
    pub fn validate(&self, token: &str) -> Result<ValidatedToken, JwtError> {
        if self.config.denylist.is_some() {
            tracing::error!("JwtValidator::validate on a validator with a denylist: call validate_async");
            return Err(JwtError::RevocationUnchecked);
        }
        self.validate_at(token, self.config.clock.now_secs())
    }

    /// Validates a token without asking the denylist: to revoke it.
    pub(crate) fn validate_ignoring_denylist(&self, token: &str) -> Result<ValidatedToken, JwtError> {
        self.validate_at(token, self.config.clock.now_secs())
    }

    /// The cache of verified tokens, for this module's tests.
    #[cfg(test)]
    pub(super) fn verified_tokens(&self) -> Option<&VerifiedTokens> {
        self.config.verified.as_ref()
    }

    /// Whether the validator asks a denylist.
    pub fn has_denylist(&self) -> bool {
        self.config.denylist.is_some()
    }

    /// Validates a token as of `now` (Unix seconds): for tests, and for
    /// re-checking a token at a recorded time. Servers call
    /// [`validate`](Self::validate).
    pub fn validate_at(&self, token: &str, now: i64) -> Result<ValidatedToken, JwtError> {
        let mut unknown_kid_of = None;
        let result = self.check(token, now, &mut unknown_kid_of);
        #[cfg(feature = "jwks")]
        if let Some(remote) = unknown_kid_of.and_then(|index| self.config.issuers[index].remote()) {
            remote.request_refetch();
        }
        log_rejection(&result);
        result
    }

    /// Validates a token now, as the [`AuthenticationLayer`](crate::axum::AuthenticationLayer)
    /// does:
    ///
    /// 1. when the token's `kid` is not in its issuer's
    ///    [`RemoteJwks`](super::RemoteJwks) set, fetches the set again
    ///    (unless that was done less than the refetch interval ago;
    ///    concurrent callers share one fetch) and checks the token once more;
    /// 2. then, if the validator has a [`denylist`](JwtValidatorBuilder::denylist),
    ///    asks it whether the token's `jti` was revoked: only tokens that
    ///    passed every other check reach the store. With a denylist, a token
    ///    must have a `jti` (of at most 256 bytes) to be revocable, so one
    ///    without is refused ([`JwtError::MissingClaim`]).
    ///
    /// With fixed keys and no denylist, the same as `validate`.
    pub async fn validate_async(&self, token: &str) -> Result<ValidatedToken, JwtError> {
        let valid = self.validate_refetching(token).await?;
        let Some(denylist) = &self.config.denylist else { return Ok(valid) };
        let jti_len = valid.token_id().map(str::len);
        let refused = match valid.revocation_id() {
            None => Err(JwtError::MissingClaim(Claim::Jti)),
            Some(_) if jti_len.is_none_or(|len| len > MAX_JTI_LEN || len == 0) => {
                Err(JwtError::InvalidClaim(Claim::Jti))
            }
            // By issuer and `jti`: two issuers' ids are chosen apart.
            Some(entry) => match denylist.is_denied(&entry).await {
                Ok(false) => return Ok(valid),
                Ok(true) => Err(JwtError::Revoked),
                Err(e) => {
                    tracing::warn!(error = %e, "access-token denylist unavailable");
                    Err(JwtError::RevocationUnavailable)
                }
            },
        };
        log_rejection(&refused);
        refused
    }

    /// The signature and claims, with one refetch of a remote key set for
    /// an unknown `kid`; no denylist.
    async fn validate_refetching(&self, token: &str) -> Result<ValidatedToken, JwtError> {
        let mut unknown_kid_of = None;
        let result = self.check(token, self.config.clock.now_secs(), &mut unknown_kid_of);
        #[cfg(feature = "jwks")]
        if let Some(remote) = unknown_kid_of.and_then(|index| self.config.issuers[index].remote())
            && remote.refetch_for_unknown_kid().await
        {
            let result = self.check(token, self.config.clock.now_secs(), &mut None);
            log_rejection(&result);
            return result;
        }
        log_rejection(&result);
        result
    }

    /// Replaces the home issuer's keys (for every clone of this validator):
    /// key rotation, e.g. after fetching the identity provider's JWK set again.
    /// Keys from a [`RemoteJwks`](super::RemoteJwks) are replaced until its
    /// next fetch.
    pub fn replace_keys(&self, keys: impl Into<JwtKeys>) {
        self.config.issuers[0].replace(keys.into());
    }

    /// Replaces the keys of the external issuer named `issuer`; `false` if
    /// there is no such external issuer (the home issuer's keys are replaced
    /// with [`replace_keys`](Self::replace_keys) only).
    pub fn replace_external_keys(&self, issuer: &str, keys: impl Into<JwtKeys>) -> bool {
        match self.config.issuers.iter().find(|i| i.external && i.name == issuer) {
            Some(trusted) => {
                trusted.replace(keys.into());
                true
            }
            None => false,
        }
    }

    /// The home issuer's current keys.
    pub fn keys(&self) -> Arc<JwtKeys> {
        self.config.issuers[0].keys()
    }

    /// The accepted issuers: the home one first.
    pub fn issuers(&self) -> impl Iterator<Item = &str> {
        self.config.issuers.iter().map(|i| i.name.as_str())
    }

    /// The algorithms the keys of every issuer accept, each once.
    pub fn algorithms(&self) -> Vec<super::JwtAlgorithm> {
        let mut algorithms: Vec<_> =
            self.config.issuers.iter().flat_map(|i| i.keys().algorithms().collect::<Vec<_>>()).collect();
        algorithms.sort_by_key(|a| a.as_str());
        algorithms.dedup();
        algorithms
    }

    /// The longest accepted token lifetime (`exp - iat`).
    pub fn max_lifetime(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::try_from(self.config.max_lifetime).unwrap_or(0))
    }

    /// Every check; `unknown_kid_of` is set to the issuer's index when the
    /// token's `kid` is not among that issuer's keys.
    fn check(&self, token: &str, now: i64, unknown_kid_of: &mut Option<usize>) -> Result<ValidatedToken, JwtError> {
        let config = &*self.config;
        if token.len() > config.max_token_size {
            return Err(JwtError::TooLarge);
        }
        // These bytes passed every check under the keys their issuer still
        // has: only the time checks can tell otherwise now.
        if let Some(valid) = config.verified.as_ref().and_then(|cache| cache.get(token, &config.issuers)) {
            self.check_claims(&valid, now)?;
            return Ok(valid);
        }
        let (valid, issuer, keys) = self.verify(token, unknown_kid_of)?;
        self.check_claims(&valid, now)?;
        if let Some(cache) = &config.verified {
            cache.insert(token, issuer, keys, &valid, now, config.leeway);
        }
        Ok(valid)
    }

    /// Every check but the time checks: shape, header policy, issuer, key,
    /// signature, claims. Also returns the issuer's index and the key set
    /// that verified the signature.
    fn verify(
        &self,
        token: &str,
        unknown_kid_of: &mut Option<usize>,
    ) -> Result<(ValidatedToken, usize, Arc<JwtKeys>), JwtError> {
        let config = &*self.config;

        // Shape.
        let (signing_input, signature_b64) = token.rsplit_once('.').ok_or(JwtError::Malformed)?;
        let (header_b64, payload_b64) = signing_input.split_once('.').ok_or(JwtError::Malformed)?;
        if header_b64.is_empty() || payload_b64.is_empty() || payload_b64.contains('.') {
            return Err(JwtError::Malformed);
        }
        let header = parse_object(&decode_segment(header_b64)?).map_err(|error| match error {
            StrictJsonError::Duplicate => JwtError::DuplicateHeader,
            StrictJsonError::Invalid => JwtError::Json,
        })?;
        let claims = parse_object(&decode_segment(payload_b64)?).map_err(|error| match error {
            StrictJsonError::Duplicate => JwtError::DuplicateClaim,
            StrictJsonError::Invalid => JwtError::Json,
        })?;

        // Header policy: rejections only.
        let alg = header.get("alg").and_then(Value::as_str).ok_or(JwtError::Malformed)?;
        if alg.eq_ignore_ascii_case("none") {
            return Err(JwtError::AlgorithmNone);
        }
        if header.contains_key("crit") {
            return Err(JwtError::UnsupportedCrit);
        }
        if KEY_HEADERS.iter().any(|name| header.contains_key(*name)) {
            return Err(JwtError::UntrustedKeyHeader);
        }
        if let Some(expected) = &config.token_type {
            match header.get("typ") {
                Some(Value::String(typ)) if normalize_type(typ) == *expected => {}
                _ => return Err(JwtError::WrongType),
            }
        }
        let kid = match header.get("kid") {
            None => None,
            Some(Value::String(kid)) if is_valid_kid(kid) => Some(kid.as_str()),
            Some(_) => return Err(JwtError::InvalidKid),
        };

        // The issuer, and with it the only keys that may verify the token.
        // RFC 7519: `iss` is one StringOrURI. jsonwebtoken also accepts an
        // array and matches any member; a list of issuers is not an issuer.
        let issuer = match required(&claims, Claim::Iss)? {
            Value::String(iss) => iss,
            _ => return Err(JwtError::InvalidClaim(Claim::Iss)),
        };
        let (index, trusted) =
            config.issuers.iter().enumerate().find(|(_, i)| i.name == *issuer).ok_or(JwtError::WrongIssuer)?;
        let keys = trusted.keys_for_tokens()?;
        let Some(algorithm) = JwtAlgorithm::from_name(alg).filter(|a| keys.allows(*a)) else {
            // A new key of an algorithm the current set has none of (a
            // provider moving from RS256 to ES256) is an unknown `kid` too:
            // a remote set may hold it once fetched again.
            if kid.is_some_and(|kid| keys.select(Some(kid)).is_err()) {
                *unknown_kid_of = Some(index);
            }
            return Err(JwtError::AlgorithmNotAllowed);
        };
        let key = keys.select(kid).inspect_err(|error| {
            if *error == JwtError::UnknownKid {
                *unknown_kid_of = Some(index);
            }
        })?;
        if key.algorithm() != algorithm {
            return Err(JwtError::AlgorithmMismatch);
        }

        // Signature.
        let signature = decode_segment(signature_b64)?;
        key.verify(signing_input.as_bytes(), &signature)?;

        // Claims.
        let token = self.read_claims(claims, algorithm, key.kid(), trusted)?;
        Ok((token, index, keys))
    }

    fn read_claims(
        &self,
        claims: Map<String, Value>,
        algorithm: JwtAlgorithm,
        kid: Option<&str>,
        trusted: &TrustedIssuer,
    ) -> Result<ValidatedToken, JwtError> {
        let config = &*self.config;
        let subject = match required(&claims, Claim::Sub)? {
            Value::String(sub) if !sub.is_empty() => sub.clone(),
            _ => return Err(JwtError::InvalidClaim(Claim::Sub)),
        };
        let expires_at = numeric_date(required(&claims, Claim::Exp)?).ok_or(JwtError::InvalidClaim(Claim::Exp))?;
        let issued_at = numeric_date(required(&claims, Claim::Iat)?).ok_or(JwtError::InvalidClaim(Claim::Iat))?;
        let issuer = Arc::from(trusted.name.as_str());
        let audience = match required(&claims, Claim::Aud)? {
            Value::String(aud) => vec![aud.clone()],
            Value::Array(items) if !items.is_empty() => items
                .iter()
                .map(|item| item.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or(JwtError::InvalidClaim(Claim::Aud))?,
            _ => return Err(JwtError::InvalidClaim(Claim::Aud)),
        };
        let not_before = match claims.get("nbf") {
            None => None,
            Some(nbf) => Some(numeric_date(nbf).ok_or(JwtError::InvalidClaim(Claim::Nbf))?),
        };
        if claims.get("jti").is_some_and(|jti| !jti.is_string()) {
            return Err(JwtError::InvalidClaim(Claim::Jti));
        }
        check_string_or_list(claims.get(&*config.roles_claim), Claim::Roles)?;
        check_string_or_list(claims.get("scope"), Claim::Scope)?;
        check_string_or_list(claims.get("scp"), Claim::Scope)?;
        if claims.get("scope").is_some_and(Value::is_array) {
            return Err(JwtError::InvalidClaim(Claim::Scope));
        }
        Ok(ValidatedToken(Arc::new(TokenClaims {
            claims,
            subject,
            issuer,
            audience,
            expires_at,
            issued_at,
            not_before,
            algorithm,
            kid: kid.map(str::to_owned),
            roles_claim: Arc::clone(&config.roles_claim),
            external: trusted.external,
            trust_roles: trusted.trust_roles,
            principal: std::sync::OnceLock::new(),
        })))
    }

    fn check_claims(&self, token: &ValidatedToken, now: i64) -> Result<(), JwtError> {
        let config = &*self.config;
        let token = &*token.0;
        if !token.audience.iter().any(|aud| config.audiences.contains(aud)) {
            return Err(JwtError::WrongAudience);
        }
        let leeway = config.leeway;
        // Valid strictly before `exp` (RFC 7519 section 4.1.4), so a token
        // that expired exactly `leeway` seconds ago is refused.
        if now >= token.expires_at.saturating_add(leeway) {
            return Err(JwtError::Expired);
        }
        if token.not_before.is_some_and(|nbf| nbf > now.saturating_add(leeway)) {
            return Err(JwtError::NotYetValid);
        }
        if token.issued_at > now.saturating_add(leeway) {
            return Err(JwtError::IssuedInFuture);
        }
        if token.expires_at < token.issued_at {
            return Err(JwtError::InvalidClaim(Claim::Exp));
        }
        if token.expires_at.saturating_sub(token.issued_at) > config.max_lifetime {
            return Err(JwtError::LifetimeTooLong);
        }
        Ok(())
    }
}

impl fmt::Debug for JwtValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = &*self.config;
        let issuers: Vec<_> = config.issuers.iter().map(|i| (&i.name, i.keys(), i.external)).collect();
        f.debug_struct("JwtValidator")
            .field("issuers", &issuers)
            .field("audiences", &config.audiences)
            .field("leeway_secs", &config.leeway)
            .field("max_lifetime_secs", &config.max_lifetime)
            .field("max_token_size", &config.max_token_size)
            .field("token_type", &config.token_type)
            .field("roles_claim", &config.roles_claim)
            .field("denylist", &config.denylist.is_some())
            .field("verified_token_cache", &config.verified.as_ref().map_or(0, VerifiedTokens::capacity))
            .finish()
    }
}

fn log_rejection(result: &Result<ValidatedToken, JwtError>) {
    if let Err(error) = result {
        // The reason only: never the token, its claims or its `kid`.
        tracing::debug!(reason = error.code(), "JWT rejected");
    }
}

/// Unpadded, canonical base64url (RFC 7515 section 2): padding, the
/// standard alphabet, whitespace and non-zero trailing bits are refused.
fn decode_segment(segment: &str) -> Result<Vec<u8>, JwtError> {
    URL_SAFE_NO_PAD.decode(segment).map_err(|_| JwtError::Base64)
}

fn required(claims: &Map<String, Value>, claim: Claim) -> Result<&Value, JwtError> {
    claims.get(claim.as_str()).ok_or(JwtError::MissingClaim(claim))
}

/// A NumericDate (RFC 7519 section 2): a JSON number of seconds, fractions
/// dropped; anything else (a string, `null`, a bool) is not a date.
fn numeric_date(value: &Value) -> Option<i64> {
    let Value::Number(number) = value else {
        return None;
    };
    if let Some(n) = number.as_i64() {
        return Some(n);
    }
    if number.as_u64().is_some() {
        return Some(i64::MAX);
    }
    // `as` saturates at the bounds of i64 for finite values.
    number.as_f64().filter(|f| f.is_finite()).map(|f| f.floor() as i64)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::numeric_date;

    #[test]
    fn numeric_dates() {
        assert_eq!(numeric_date(&json!(1_700_000_000)), Some(1_700_000_000));
        assert_eq!(numeric_date(&json!(1_700_000_000.9)), Some(1_700_000_000));
        assert_eq!(numeric_date(&json!(u64::MAX)), Some(i64::MAX));
        assert_eq!(numeric_date(&json!(-1e300)), Some(i64::MIN));
        assert_eq!(numeric_date(&json!("1700000000")), None);
        assert_eq!(numeric_date(&json!(null)), None);
    }
}
