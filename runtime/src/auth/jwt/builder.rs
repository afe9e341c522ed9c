//! The validator's builder: `build()` compiles only once an issuer and an
//! audience are set.
//!
//! Forgetting either is the most common JWT validation mistake (a token for
//! another service, or from another tenant's issuer, is accepted), and
//! jsonwebtoken makes both opt-in. Here they are type states: the builder
//! starts as `JwtValidatorBuilder<NoIssuer, NoAudience>`, `.issuer(..)` and
//! `.audience(..)` move it along, and `build()` requires both.
//!
//! The builder's keys belong to its one home issuer. Each further issuer
//! comes with its own keys ([`ExternalIssuer`]), so that one identity
//! provider's key can never vouch for another's tokens.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use super::source::JwtKeySource;
use super::validator::{Config, JwtValidator, TrustedIssuer};
use super::verified::VerifiedTokens;
use crate::auth::token::AccessTokenDenylist;
use crate::auth::token::SharedDenylist;
use crate::time::{Clock, SharedClock, secs};

/// The default clock-skew leeway: 30 seconds.
pub(crate) const DEFAULT_LEEWAY: Duration = Duration::from_secs(30);

/// The largest leeway a validator uses: 5 minutes. Larger values are
/// lowered to it (a leeway is for clock skew, not for extending tokens).
pub const MAX_LEEWAY: Duration = Duration::from_secs(300);

/// The default maximum lifetime (`exp - iat`): 15 minutes.
pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(15 * 60);

/// The default maximum token size: 8 KiB, checked before any decoding.
pub(crate) const DEFAULT_MAX_TOKEN_SIZE: usize = 8 * 1024;

/// The default name of the roles claim: `roles`.
pub(crate) const DEFAULT_ROLES_CLAIM: &str = "roles";

/// How many verified tokens a validator remembers unless told otherwise
/// ([`JwtValidatorBuilder::verified_token_cache`]): 4096 clients' tokens of
/// about 1 KiB take 4 MiB.
pub const DEFAULT_VERIFIED_TOKEN_CACHE: usize = 4096;

/// The builder's type states.
pub mod state {
    /// No issuer set yet.
    #[derive(Debug)]
    pub struct NoIssuer;
    /// At least one issuer set.
    #[derive(Debug)]
    pub struct HasIssuer;
    /// No audience set yet.
    #[derive(Debug)]
    pub struct NoAudience;
    /// At least one audience set.
    #[derive(Debug)]
    pub struct HasAudience;

    mod sealed {
        pub trait Sealed {}
        impl Sealed for super::HasIssuer {}
        impl Sealed for super::HasAudience {}
    }

    /// Implemented only by [`HasIssuer`].
    #[diagnostic::on_unimplemented(
        message = "the JWT validator has no issuer",
        label = "`build()` needs the issuer to accept",
        note = "call `.issuer(\"https://auth.example.com\")` before `.build()`: a token from any other issuer must be rejected"
    )]
    pub trait IssuerIsSet: sealed::Sealed {}
    #[diagnostic::do_not_recommend]
    impl IssuerIsSet for HasIssuer {}

    /// Implemented only by [`NoIssuer`].
    #[diagnostic::on_unimplemented(
        message = "the JWT validator already has its home issuer",
        label = "a second `.issuer(..)` would share the home issuer's keys",
        note = "another identity provider comes with its own keys: `.external_issuer(ExternalIssuer::new(\"https://idp.example\", its_keys))`, so that neither can sign the other's tokens"
    )]
    pub trait IssuerNotSet {}
    #[diagnostic::do_not_recommend]
    impl IssuerNotSet for NoIssuer {}

    /// Implemented only by [`HasAudience`].
    #[diagnostic::on_unimplemented(
        message = "the JWT validator has no audience",
        label = "`build()` needs the audience to accept",
        note = "call `.audience(\"https://api.example.com\")` before `.build()`: a token minted for another service must be rejected"
    )]
    pub trait AudienceIsSet: sealed::Sealed {}
    #[diagnostic::do_not_recommend]
    impl AudienceIsSet for HasAudience {}
}

use state::{AudienceIsSet, HasAudience, HasIssuer, IssuerIsSet, IssuerNotSet, NoAudience, NoIssuer};

/// An identity provider other than the home one, with its own keys: its
/// tokens verify only with its keys, and its callers are its own
/// (issuer, subject) pairs, never home users (see
/// [`Principal`](crate::Principal)). Its roles claim is ignored unless
/// [`trust_roles`](Self::trust_roles): an `admin` minted by a partner's
/// identity provider is not an admin of this service by default. Its scopes
/// are taken as they are: a scope only narrows what a token may do with its
/// own caller's resources, and the provider granted it for this API's
/// audience.
///
/// ```
/// use apishield::auth::jwt::{ExternalIssuer, HmacSecret, JwtAlgorithm, JwtKey, JwtValidator};
///
/// let home = JwtKey::hmac(JwtAlgorithm::HS256, &HmacSecret::generate()?)?;
/// let partner = JwtKey::hmac(JwtAlgorithm::HS256, &HmacSecret::generate()?)?;
/// let validator = JwtValidator::builder(home)
///     .issuer("https://id.example.com")
///     .external_issuer(ExternalIssuer::new("https://id.partner.example", partner))
///     .audience("orders-api")
///     .build();
/// # let _ = validator;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[must_use]
pub struct ExternalIssuer {
    issuer: String,
    keys: JwtKeySource,
    trust_roles: bool,
}

impl ExternalIssuer {
    /// Tokens whose `iss` is `issuer`, verified with `keys` only (fixed keys
    /// or, feature `jwks`, a [`RemoteJwks`](super::RemoteJwks)).
    pub fn new(issuer: impl Into<String>, keys: impl Into<JwtKeySource>) -> Self {
        ExternalIssuer { issuer: issuer.into(), keys: keys.into(), trust_roles: false }
    }

    /// Takes this issuer's roles claim as roles here (by default its callers
    /// have no roles, so its `admin` is no admin of this service).
    pub fn trust_roles(mut self) -> Self {
        self.trust_roles = true;
        self
    }
}

/// Configures a [`JwtValidator`]; made by [`JwtValidator::builder`].
///
/// | Setting | Default |
/// | --- | --- |
/// | issuer, audience | none: both required before `build()` |
/// | leeway | 30 s (at most [`MAX_LEEWAY`], 5 min) |
/// | maximum lifetime (`exp - iat`) | [`DEFAULT_MAX_LIFETIME`], 15 min |
/// | maximum token size | 8 KiB |
/// | `typ` | not checked (set [`token_type`](Self::token_type) for RFC 8725 explicit typing) |
/// | roles claim | `roles` |
/// | clock | [`SystemClock`](crate::time::SystemClock) |
#[derive(Debug)]
#[must_use = "a builder does nothing until `.build()`"]
pub struct JwtValidatorBuilder<I = NoIssuer, A = NoAudience> {
    keys: JwtKeySource,
    issuer: String,
    external: Vec<ExternalIssuer>,
    audiences: Vec<String>,
    leeway: Duration,
    max_lifetime: Duration,
    max_token_size: usize,
    token_type: Option<String>,
    roles_claim: String,
    clock: SharedClock,
    denylist: Option<SharedDenylist>,
    verified_token_cache: usize,
    state: PhantomData<(I, A)>,
}

impl JwtValidatorBuilder {
    pub(super) fn new(keys: JwtKeySource) -> Self {
        JwtValidatorBuilder {
            keys,
            issuer: String::new(),
            external: Vec::new(),
            audiences: Vec::new(),
            leeway: DEFAULT_LEEWAY,
            max_lifetime: DEFAULT_MAX_LIFETIME,
            max_token_size: DEFAULT_MAX_TOKEN_SIZE,
            token_type: None,
            roles_claim: DEFAULT_ROLES_CLAIM.to_owned(),
            clock: SharedClock::system(),
            denylist: None,
            verified_token_cache: DEFAULT_VERIFIED_TOKEN_CACHE,
            state: PhantomData,
        }
    }
}

impl<I, A> JwtValidatorBuilder<I, A> {
    fn into_state<I2, A2>(self) -> JwtValidatorBuilder<I2, A2> {
        JwtValidatorBuilder {
            keys: self.keys,
            issuer: self.issuer,
            external: self.external,
            audiences: self.audiences,
            leeway: self.leeway,
            max_lifetime: self.max_lifetime,
            max_token_size: self.max_token_size,
            token_type: self.token_type,
            roles_claim: self.roles_claim,
            clock: self.clock,
            denylist: self.denylist,
            verified_token_cache: self.verified_token_cache,
            state: PhantomData,
        }
    }

    /// The home issuer, whose tokens the builder's keys verify: the
    /// identity provider of this service's own users. The token's `iss`
    /// must equal it exactly (or an [external issuer](Self::external_issuer)'s).
    /// Set once: a second identity provider is an [`ExternalIssuer`] with
    /// its own keys.
    pub fn issuer(mut self, issuer: impl Into<String>) -> JwtValidatorBuilder<HasIssuer, A>
    where
        I: IssuerNotSet,
    {
        self.issuer = issuer.into();
        self.into_state()
    }

    /// Also accepts tokens of another identity provider, verified with its
    /// own keys only. A token signed with one issuer's key that claims
    /// another's `iss` is refused ([`JwtError::BadSignature`](super::JwtError::BadSignature)).
    pub fn external_issuer(mut self, issuer: ExternalIssuer) -> Self {
        self.external.push(issuer);
        self
    }

    /// An accepted audience: the token's `aud` (a string or an array) must
    /// contain one of them. Call again to accept several.
    pub fn audience(mut self, audience: impl Into<String>) -> JwtValidatorBuilder<I, HasAudience> {
        self.audiences.push(audience.into());
        self.into_state()
    }

    /// The clock-skew leeway for `exp`, `nbf` and `iat` (default 30 s,
    /// lowered to 5 min if larger).
    pub fn leeway(mut self, leeway: Duration) -> Self {
        if leeway > MAX_LEEWAY {
            tracing::warn!(requested_secs = leeway.as_secs(), "JWT leeway lowered to 300 s");
        }
        self.leeway = leeway.min(MAX_LEEWAY);
        self
    }

    /// The longest accepted lifetime, `exp - iat` (default 15 min).
    pub fn max_lifetime(mut self, max_lifetime: Duration) -> Self {
        self.max_lifetime = max_lifetime;
        self
    }

    /// The largest accepted token, in bytes (default 8 KiB).
    pub fn max_token_size(mut self, bytes: usize) -> Self {
        self.max_token_size = bytes;
        self
    }

    /// Requires this `typ` header (RFC 8725 section 3.11), e.g. `"at+jwt"`
    /// for RFC 9068 access tokens, so an ID token or another kind of JWT
    /// signed by the same issuer is not accepted as an access token. Compared
    /// as media types: case-insensitively, `application/` optional.
    pub fn token_type(mut self, typ: impl Into<String>) -> Self {
        self.token_type = Some(normalize_type(&typ.into()));
        self
    }

    /// The name of the claim that holds roles (default `roles`; e.g.
    /// `"https://example.com/roles"` for namespaced claims).
    pub fn roles_claim(mut self, name: impl Into<String>) -> Self {
        self.roles_claim = name.into();
        self
    }

    /// Reads the time from `clock` instead of the
    /// [`SystemClock`](crate::time::SystemClock) (tests check `exp` and
    /// `nbf` edges with a [`ManualClock`](crate::time::ManualClock)).
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = SharedClock::new(clock);
        self
    }

    /// Refuses tokens whose `jti` is on `denylist` (revoked access tokens;
    /// see [`TokenService::revoke_access_token`](crate::auth::token::TokenService::revoke_access_token)).
    /// The check is asynchronous (a store), after every other one:
    /// [`JwtValidator::validate_async`] asks it, and the synchronous
    /// [`JwtValidator::validate`] then refuses every token rather than skip
    /// it. Tokens without a `jti` are refused (they could not be revoked).
    pub fn denylist(mut self, denylist: impl AccessTokenDenylist + 'static) -> Self {
        self.denylist = Some(SharedDenylist(Arc::new(denylist)));
        self
    }

    /// How many verified tokens to remember (default
    /// [`DEFAULT_VERIFIED_TOKEN_CACHE`]; 0 turns the cache off).
    ///
    /// A client presents the same access token on every request until it
    /// expires. The first time, the validator decodes it and checks all of
    /// it: shape, header, issuer, key, signature and claims. It then keeps
    /// the token's exact bytes, with the key set that verified it. When the
    /// same bytes come again, only the time checks run (`exp`, `nbf`, `iat`
    /// against the clock, on every request), and so does the denylist.
    /// A token verified under keys that have since been replaced
    /// ([`JwtValidator::replace_keys`], a refetched remote JWK set) is
    /// verified again in full. Refused tokens are never kept. The stored
    /// token is compared with the presented one in full, in constant time.
    ///
    /// Each entry holds the token (at most [`max_token_size`](Self::max_token_size))
    /// and its claims. When the cache is full, expired tokens are forgotten
    /// first, then arbitrary ones.
    pub fn verified_token_cache(mut self, entries: usize) -> Self {
        self.verified_token_cache = entries;
        self
    }

    /// The validator. Compiles only after [`issuer`](Self::issuer) and
    /// [`audience`](Self::audience).
    pub fn build(self) -> JwtValidator
    where
        I: IssuerIsSet,
        A: AudienceIsSet,
    {
        let home = TrustedIssuer::new(self.issuer, self.keys, false, true);
        let external = self.external.into_iter().map(|e| TrustedIssuer::new(e.issuer, e.keys, true, e.trust_roles));
        let mut issuers: Vec<TrustedIssuer> = Vec::with_capacity(1 + external.len());
        issuers.push(home);
        for issuer in external {
            // The first configuration of a name wins; a later duplicate could
            // otherwise shadow the home issuer's keys.
            if issuers.iter().any(|i| i.name == issuer.name) {
                tracing::warn!(issuer = %issuer.name, "duplicate JWT issuer ignored");
                continue;
            }
            issuers.push(issuer);
        }
        JwtValidator::from_config(Config {
            issuers: issuers.into_boxed_slice(),
            audiences: self.audiences.into_boxed_slice(),
            leeway: secs(self.leeway),
            max_lifetime: secs(self.max_lifetime),
            max_token_size: self.max_token_size,
            token_type: self.token_type,
            roles_claim: Arc::from(self.roles_claim),
            clock: self.clock,
            denylist: self.denylist,
            verified: VerifiedTokens::new(self.verified_token_cache),
        })
    }
}

/// A `typ` value in comparable form: lowercase, without `application/`
/// (RFC 7515 section 4.1.9).
pub(super) fn normalize_type(typ: &str) -> String {
    let lower = typ.to_ascii_lowercase();
    match lower.strip_prefix("application/") {
        Some(rest) => rest.to_owned(),
        None => lower,
    }
}
