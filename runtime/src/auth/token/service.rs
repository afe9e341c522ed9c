//! `TokenService`: grants, rotation, revocation, access tokens minted by a
//! [`JwtIssuer`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use super::denylist::{AccessTokenDenylist, SharedDenylist};
use super::error::TokenError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::family::{FamilyId, IssuedAccess, RefreshRecord, Rotation};
use super::refresh::RefreshToken;
use super::store::RefreshTokenStore;
use crate::auth::jwt::{JwtIssuer, JwtValidator, ValidatedToken};
use crate::auth::{CallerId, Secret};
use crate::telemetry;
use crate::time::{Clock, SharedClock, secs};

/// The default lifetime of a refresh token: 7 days (each rotation starts a
/// new one).
pub const DEFAULT_REFRESH_LIFETIME: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The default lifetime of a session (a family, however often it rotates):
/// 30 days, after which the user logs in again.
pub const DEFAULT_SESSION_LIFETIME: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// The longest refresh-token and session lifetime: 90 days.
pub const MAX_REFRESH_LIFETIME: Duration = Duration::from_secs(90 * 24 * 60 * 60);

/// The claim that names the client in access tokens (RFC 9068 section 2.2).
pub const CLIENT_ID_CLAIM: &str = "client_id";

/// What a login grants: a home user, the client that holds the tokens, and
/// the scopes and roles of its access tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct Grant {
    caller: CallerId,
    client: String,
    scopes: Vec<String>,
    roles: Vec<String>,
}

impl Grant {
    /// A grant to `caller` (a home user: [`CallerId::home`]) through `client`.
    pub fn new(caller: CallerId, client: impl Into<String>) -> Self {
        Grant { caller, client: client.into(), scopes: Vec::new(), roles: Vec::new() }
    }

    /// The scopes of its access tokens.
    pub fn scopes<I: IntoIterator<Item = S>, S: Into<String>>(mut self, scopes: I) -> Self {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// The roles of its access tokens.
    pub fn roles<I: IntoIterator<Item = S>, S: Into<String>>(mut self, roles: I) -> Self {
        self.roles = roles.into_iter().map(Into::into).collect();
        self
    }
}

/// A fresh access token and refresh token, from a login or a rotation.
#[derive(Debug)]
pub struct TokenPair {
    /// The access token (a JWT of the service's [`JwtIssuer`]).
    pub access_token: Secret<String>,
    /// How long the access token lives (the issuer's lifetime, 15 min by
    /// default): a token response's `expires_in`.
    pub access_expires_in: Duration,
    /// The refresh token; the one it replaced no longer works.
    pub refresh_token: RefreshToken,
    /// When the refresh token expires (Unix seconds).
    pub refresh_expires_at: i64,
    /// The family both belong to.
    pub family: FamilyId,
}

impl TokenPair {
    /// Seconds from `now` until the refresh token expires (a cookie's
    /// `Max-Age`).
    pub fn refresh_expires_in(&self, now: i64) -> Duration {
        Duration::from_secs(u64::try_from(self.refresh_expires_at.saturating_sub(now)).unwrap_or(0))
    }
}

/// The token lifecycle of a service that mints its own access tokens:
/// logins start a family of refresh tokens, each refresh rotates the
/// refresh token and mints a fresh access token, a reused refresh token
/// revokes its whole family (RFC 9700 section 4.14.2), and access tokens
/// are revoked by `jti` on a denylist.
///
/// | Setting | Default |
/// | --- | --- |
/// | access-token lifetime | the [`JwtIssuer`]'s, 15 min |
/// | refresh-token lifetime | 7 days ([`DEFAULT_REFRESH_LIFETIME`]), at most 90 |
/// | session lifetime (a family) | 30 days ([`DEFAULT_SESSION_LIFETIME`]), at most 90 |
/// | denylist | none: [`revoke_access_token`](Self::revoke_access_token) needs one |
/// | clock | [`SystemClock`](crate::time::SystemClock) |
///
/// ```
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtIssuer, JwtSigningKey};
/// use apishield::auth::token::{Grant, MemoryRefreshTokenStore, TokenError, TokenService};
/// use apishield::CallerId;
///
/// let key = JwtSigningKey::hmac(JwtAlgorithm::HS256, &HmacSecret::generate()?)?;
/// let tokens = TokenService::new(JwtIssuer::new(key, "https://auth.example.com", "shop"), MemoryRefreshTokenStore::new());
///
/// let first = tokens.issue(&Grant::new(CallerId::home("user-42"), "web")).await?;
/// let second = tokens.refresh(first.refresh_token.expose_secret(), "web").await?;
/// // The first refresh token was rotated: presenting it again is reuse,
/// // and the whole family is revoked, the second token with it.
/// assert_eq!(tokens.refresh(first.refresh_token.expose_secret(), "web").await.unwrap_err(), TokenError::Reused);
/// assert_eq!(tokens.refresh(second.refresh_token.expose_secret(), "web").await.unwrap_err(), TokenError::Revoked);
/// # Ok(()) }
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(run()).unwrap();
/// ```
#[derive(Clone)]
pub struct TokenService {
    issuer: JwtIssuer,
    store: Arc<dyn RefreshTokenStore>,
    denylist: Option<SharedDenylist>,
    validator: Option<JwtValidator>,
    refresh_lifetime: Duration,
    session_lifetime: Duration,
    clock: SharedClock,
}

impl TokenService {
    /// Access tokens from `issuer`, refresh tokens in `store`.
    pub fn new(issuer: JwtIssuer, store: impl RefreshTokenStore + 'static) -> Self {
        TokenService {
            issuer,
            store: Arc::new(store),
            denylist: None,
            validator: None,
            refresh_lifetime: DEFAULT_REFRESH_LIFETIME,
            session_lifetime: DEFAULT_SESSION_LIFETIME,
            clock: SharedClock::system(),
        }
    }

    /// How long each refresh token works (default 7 days): between 1
    /// second and 90 days, or [`TokenError::InvalidLifetime`].
    pub fn refresh_lifetime(mut self, lifetime: Duration) -> Result<Self, TokenError> {
        check_lifetime(lifetime)?;
        self.refresh_lifetime = lifetime;
        Ok(self)
    }

    /// How long a family works from its login, however often it rotates
    /// (default 30 days): between 1 second and 90 days.
    pub fn session_lifetime(mut self, lifetime: Duration) -> Result<Self, TokenError> {
        check_lifetime(lifetime)?;
        self.session_lifetime = lifetime;
        Ok(self)
    }

    /// Where revoked access tokens go: the same denylist as the
    /// [`JwtValidator`]'s ([`JwtValidatorBuilder::denylist`](crate::auth::jwt::JwtValidatorBuilder::denylist)),
    /// shared through an `Arc` or a cheap clone.
    #[must_use]
    pub fn denylist(mut self, denylist: impl AccessTokenDenylist + 'static) -> Self {
        self.denylist = Some(SharedDenylist(Arc::new(denylist)));
        self
    }

    /// The validator of this service's access tokens, for
    /// [`revoke`](Self::revoke) to recognise one (its signature, its
    /// client).
    #[must_use]
    pub fn validator(mut self, validator: JwtValidator) -> Self {
        self.validator = Some(validator);
        self
    }

    /// Reads the time from `clock` (give the [`JwtIssuer`] the same one).
    #[must_use]
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = SharedClock::new(clock);
        self
    }

    /// The access-token issuer.
    pub fn issuer(&self) -> &JwtIssuer {
        &self.issuer
    }

    /// Now, by this service's clock (Unix seconds).
    pub fn now(&self) -> i64 {
        self.clock.now_secs()
    }

    /// Starts a family for a login: a refresh token and an access token.
    /// Only home users get this service's access tokens
    /// ([`TokenError::ExternalCaller`] otherwise).
    pub async fn issue(&self, grant: &Grant) -> Result<TokenPair, TokenError> {
        let caller = grant.caller.as_caller();
        if !caller.is_home() {
            return Err(TokenError::ExternalCaller);
        }
        if caller.subject().is_empty() || grant.client.is_empty() {
            return Err(TokenError::InvalidGrant);
        }
        let now = self.now();
        let access = self.new_access(now)?;
        let token = RefreshToken::generate()?;
        let session_expires_at = now.saturating_add(secs(self.session_lifetime));
        let record = RefreshRecord {
            hash: token.hash(),
            family: FamilyId::generate()?,
            caller: grant.caller.clone(),
            client: grant.client.clone(),
            scopes: grant.scopes.clone(),
            roles: grant.roles.clone(),
            issued_at: now,
            expires_at: now.saturating_add(secs(self.refresh_lifetime)).min(session_expires_at),
            session_expires_at,
            rotated_at: None,
        };
        match self.store.insert(&record, &access).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::error!("refresh token store: a fresh token or family id already exists");
                return Err(TokenError::StoreUnavailable);
            }
            Err(e) => {
                tracing::warn!(error = %e, "refresh token store unavailable");
                return Err(TokenError::StoreUnavailable);
            }
        }
        tracing::info!(family = %record.family, client = %record.client, "token family started");
        self.pair(&record, token, access, now)
    }

    /// Exchanges a refresh token presented by `client` for a new pair: the
    /// presented token stops working. A token presented a second time
    /// ([`TokenError::Reused`]) or by another client
    /// ([`TokenError::WrongClient`]) revokes its whole family, so the
    /// legitimate holder's next refresh fails too.
    pub async fn refresh(&self, token: &str, client: &str) -> Result<TokenPair, TokenError> {
        let result = self.rotate(token, client).await;
        match &result {
            Ok(_) => telemetry::token_refresh(Ok(()), None),
            // Reported with the family where it was revoked.
            Err(TokenError::Reused | TokenError::WrongClient) => {}
            Err(e) => telemetry::token_refresh(Err(e), None),
        }
        result
    }

    async fn rotate(&self, token: &str, client: &str) -> Result<TokenPair, TokenError> {
        let presented = RefreshToken::parse(token)?;
        let successor = RefreshToken::generate()?;
        let now = self.now();
        let access = self.new_access(now)?;
        let rotation = self
            .store
            .rotate(&presented.hash(), client, &successor.hash(), now, secs(self.refresh_lifetime), &access)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, "refresh token store unavailable");
                TokenError::StoreUnavailable
            })?;
        match rotation {
            Rotation::Rotated(record) => self.pair(&record, successor, access, now),
            Rotation::Unknown => Err(TokenError::Unknown),
            Rotation::Expired => Err(TokenError::Expired),
            Rotation::Revoked => Err(TokenError::Revoked),
            Rotation::Reused(family) => {
                telemetry::token_refresh(Err(&TokenError::Reused), Some(&family));
                self.deny_family_access(&family).await;
                Err(TokenError::Reused)
            }
            Rotation::WrongClient(family) => {
                telemetry::token_refresh(Err(&TokenError::WrongClient), Some(&family));
                self.deny_family_access(&family).await;
                Err(TokenError::WrongClient)
            }
        }
    }

    /// Revokes a family: none of its refresh tokens works any more, and
    /// with a [`denylist`](Self::denylist) each of its unexpired access
    /// tokens is denied too. `false` if there is no such family.
    pub async fn revoke_family(&self, family: &FamilyId) -> Result<bool, TokenError> {
        let revoked = self.store.revoke_family(family, self.now()).await.map_err(|e| {
            tracing::warn!(error = %e, "refresh token store unavailable");
            TokenError::StoreUnavailable
        })?;
        if revoked {
            tracing::info!(%family, "token family revoked");
            self.deny_family_access(family).await;
        }
        Ok(revoked)
    }

    /// Revokes the family of a refresh token (a refresh token stands for
    /// its grant: logging out ends the session, RFC 7009 section 2.1). With
    /// `client`, only that client's token is revoked. `Ok(false)` for a
    /// token that is not one, unknown, or another client's.
    pub async fn revoke_refresh_token(&self, token: &str, client: Option<&str>) -> Result<bool, TokenError> {
        let Ok(token) = RefreshToken::parse(token) else { return Ok(false) };
        let found = self.store.get(&token.hash()).await.map_err(|e| {
            tracing::warn!(error = %e, "refresh token store unavailable");
            TokenError::StoreUnavailable
        })?;
        let Some((record, _)) = found else { return Ok(false) };
        if client.is_some_and(|client| client != record.client) {
            tracing::warn!(family = %record.family, "revocation of another client's refresh token ignored");
            return Ok(false);
        }
        self.revoke_family(&record.family).await
    }

    /// Puts a validated access token's `jti` on the denylist until it
    /// expires: the validator refuses it from now on.
    pub async fn revoke_access_token(&self, token: &ValidatedToken) -> Result<(), TokenError> {
        let Some(denylist) = &self.denylist else { return Err(TokenError::NoDenylist) };
        let Some(entry) = token.revocation_id() else { return Err(TokenError::Malformed) };
        denylist.deny(&entry, token.expires_at()).await.map_err(|e| {
            tracing::warn!(error = %e, "access-token denylist unavailable");
            TokenError::StoreUnavailable
        })?;
        tracing::info!("access token revoked");
        Ok(())
    }

    /// RFC 7009 revocation of `token` for the authenticated `client`: a
    /// refresh token revokes its family, an access token of this service
    /// (recognised by the [`validator`](Self::validator), signed for
    /// `client`) goes on the denylist. Anything else (unknown, expired,
    /// another client's, not a token) is `Ok(false)`: the endpoint answers
    /// 200 alike, so it reveals nothing. `hint` (`refresh_token` or
    /// `access_token`) only orders the lookups.
    pub async fn revoke(&self, token: &str, hint: Option<&str>, client: &str) -> Result<bool, TokenError> {
        let refresh_first = hint != Some("access_token");
        if refresh_first && RefreshToken::looks_like(token) {
            return self.revoke_refresh_token(token, Some(client)).await;
        }
        if let (Some(validator), Some(_)) = (&self.validator, &self.denylist)
            && let Ok(valid) = validator.validate_ignoring_denylist(token)
        {
            if valid.claim(CLIENT_ID_CLAIM).and_then(|c| c.as_str()) != Some(client) {
                tracing::warn!("revocation of another client's access token ignored");
                return Ok(false);
            }
            self.revoke_access_token(&valid).await?;
            return Ok(true);
        }
        if RefreshToken::looks_like(token) {
            return self.revoke_refresh_token(token, Some(client)).await;
        }
        Ok(false)
    }

    /// The `jti` and `exp` of the access token about to be minted at `now`.
    fn new_access(&self, now: i64) -> Result<IssuedAccess, TokenError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|_| TokenError::Randomness)?;
        Ok(IssuedAccess {
            jti: URL_SAFE_NO_PAD.encode(bytes),
            expires_at: now.saturating_add(secs(self.issuer.get_lifetime())),
        })
    }

    /// Puts every unexpired access token of a revoked family on the
    /// denylist: the attacker who won a race, or the holder of a stolen
    /// token, keeps no access token either, however many times they
    /// rotated. Failures are logged; the family is revoked regardless.
    async fn deny_family_access(&self, family: &FamilyId) {
        let Some(denylist) = &self.denylist else { return };
        match self.store.live_access(family, self.now()).await {
            Ok(live) => {
                for access in live {
                    if let Err(e) = denylist.deny(&access.jti, access.expires_at).await {
                        tracing::warn!(error = %e, %family, "revoked family's access token not denied");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, %family, "revoked family's access tokens not found"),
        }
    }

    fn pair(
        &self,
        record: &RefreshRecord,
        refresh_token: RefreshToken,
        access: IssuedAccess,
        now: i64,
    ) -> Result<TokenPair, TokenError> {
        let mut builder = self
            .issuer
            .token(record.caller.as_caller().subject())
            .claim(CLIENT_ID_CLAIM, record.client.as_str())
            .token_id(access.jti)
            .issued_at(now);
        if !record.roles.is_empty() {
            builder = builder.roles(record.roles.iter().cloned());
        }
        if !record.scopes.is_empty() {
            builder = builder.scopes(record.scopes.iter().cloned());
        }
        let access_token = builder.sign().map_err(|e| {
            tracing::error!(error = %e, "access token could not be minted");
            TokenError::Issue
        })?;
        Ok(TokenPair {
            access_token,
            access_expires_in: self.issuer.get_lifetime(),
            refresh_token,
            refresh_expires_at: record.expires_at,
            family: record.family,
        })
    }
}

fn check_lifetime(lifetime: Duration) -> Result<(), TokenError> {
    if lifetime < Duration::from_secs(1) || lifetime > MAX_REFRESH_LIFETIME {
        return Err(TokenError::InvalidLifetime);
    }
    Ok(())
}

impl fmt::Debug for TokenService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenService")
            .field("issuer", &self.issuer)
            .field("refresh_lifetime", &self.refresh_lifetime)
            .field("session_lifetime", &self.session_lifetime)
            .field("denylist", &self.denylist.is_some())
            .field("validator", &self.validator.is_some())
            .finish_non_exhaustive()
    }
}
