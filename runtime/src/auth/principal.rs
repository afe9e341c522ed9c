//! The authenticated caller.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, OnceLock};

use super::Derived;
use super::caller::Caller;
use super::owner::{Forbidden, Owned, OwnerId};
use crate::rate_limit::RateLimitKey;
use crate::response::Authorized;
use crate::telemetry::Check;

/// The role that may read and change every owner's resources.
pub const ADMIN_ROLE: &str = "admin";

/// The issuer of principals made with [`Principal::new`]: this service's own
/// users, when no token or key says more.
pub const LOCAL_ISSUER: &str = "local";

/// The authenticated caller: where its identity comes from (an issuer), a
/// subject (user or service id), roles and scopes. Made by JWT or API-key
/// authentication, never from request data.
///
/// A caller is the pair (issuer, subject), [`Principal::caller`]: two
/// identity providers may both have a user `42`, and they are two callers.
/// Everything apishield keys by caller uses the pair: idempotency records,
/// rate-limit budgets, ownership.
///
/// The identity provider of this service's own users (the validator's
/// [`issuer`](crate::auth::jwt::JwtValidatorBuilder::issuer)) and this
/// service's API keys speak for one user base, the *home* one: their
/// subjects are the user ids the service stores, so a plain owner field
/// (`user_id: u64`) names a home user. A caller from an
/// [external issuer](crate::auth::jwt::ExternalIssuer) is someone else's
/// user: it owns only resources whose owner is stored as the pair
/// ([`CallerId`](crate::CallerId)).
///
/// ```
/// use apishield::Principal;
///
/// let alice = Principal::new("42").with_roles(["editor"]).with_scopes(["orders:read"]);
/// assert!(alice.has_role("editor") && alice.has_scope("orders:read"));
/// assert!(alice.require_role("admin").is_err());
///
/// let partner = Principal::external("https://partner.example", "42");
/// assert_ne!(alice.caller(), partner.caller());
/// assert!(alice.owns(&42u64) && !partner.owns(&42u64));
/// ```
///
/// A principal is shared, not copied: cloning it (into the request's
/// extensions, into a handler's extractor, into a spawned task) costs one
/// reference count, and a validator that remembers a token hands out the
/// principal it made for it the first time.
#[derive(Clone, PartialEq, Eq)]
pub struct Principal(Arc<Identity>);

/// What a [`Principal`] says, behind one `Arc`.
#[derive(Clone, PartialEq, Eq)]
struct Identity {
    issuer: Arc<str>,
    external: bool,
    subject: Arc<str>,
    roles: BTreeSet<String>,
    // Shared with the API-key record the principal was made from.
    scopes: Arc<BTreeSet<String>>,
    /// The caller's rate-limit key, made on first use: a remembered token's
    /// principal serves every request of that token.
    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    rate_limit_key: Derived<RateLimitKey>,
}

impl fmt::Debug for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let id = &*self.0;
        f.debug_struct("Principal")
            .field("issuer", &id.issuer)
            .field("external", &id.external)
            .field("subject", &id.subject)
            .field("roles", &id.roles)
            .field("scopes", &id.scopes)
            .finish()
    }
}

impl Principal {
    /// A principal with no roles, made of shared strings and scopes.
    fn made_of(issuer: Arc<str>, external: bool, subject: Arc<str>, scopes: Arc<BTreeSet<String>>) -> Self {
        let rate_limit_key = Derived::default();
        Principal(Arc::new(Identity { issuer, external, subject, roles: BTreeSet::new(), scopes, rate_limit_key }))
    }

    fn made(issuer: Arc<str>, external: bool, subject: Arc<str>) -> Self {
        static NO_SCOPES: OnceLock<Arc<BTreeSet<String>>> = OnceLock::new();
        Principal::made_of(issuer, external, subject, Arc::clone(NO_SCOPES.get_or_init(Arc::default)))
    }

    /// A home principal with these scopes, sharing the strings it is made
    /// of (an API key's owner and scopes, on every request).
    pub(crate) fn home_with_shared_scopes(issuer: Arc<str>, subject: Arc<str>, scopes: Arc<BTreeSet<String>>) -> Self {
        Principal::made_of(issuer, false, subject, scopes)
    }

    /// A home principal ([`LOCAL_ISSUER`]) with this subject and no roles or
    /// scopes: a user of this service's own user base.
    pub fn new(subject: impl Into<String>) -> Self {
        static LOCAL: OnceLock<Arc<str>> = OnceLock::new();
        let issuer = Arc::clone(LOCAL.get_or_init(|| Arc::from(LOCAL_ISSUER)));
        Principal::made(issuer, false, subject.into().into())
    }

    /// A home principal: a user of this service's own user base,
    /// authenticated by `issuer` (the home identity provider's `iss`, or the
    /// API-key store).
    pub fn home(issuer: impl Into<Arc<str>>, subject: impl Into<String>) -> Self {
        Principal::made(issuer.into(), false, subject.into().into())
    }

    /// A principal of an external issuer: its identity is the pair
    /// (`issuer`, `subject`) everywhere, and it owns no resource by a plain
    /// owner id.
    pub fn external(issuer: impl Into<Arc<str>>, subject: impl Into<String>) -> Self {
        Principal::made(issuer.into(), true, subject.into().into())
    }

    /// Adds roles.
    #[must_use]
    pub fn with_roles<I, R>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = R>,
        R: Into<String>,
    {
        Arc::make_mut(&mut self.0).roles.extend(roles.into_iter().map(Into::into));
        self
    }

    /// Adds scopes.
    #[must_use]
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut scopes = scopes.into_iter().peekable();
        if scopes.peek().is_some() {
            Arc::make_mut(&mut Arc::make_mut(&mut self.0).scopes).extend(scopes.map(Into::into));
        }
        self
    }

    /// The subject: the caller's user or service id, unique only within its
    /// issuer (see [`caller`](Self::caller)).
    pub fn subject(&self) -> &str {
        &self.0.subject
    }

    /// Who vouched for this principal: the JWT's `iss`, the API-key store's
    /// name, or [`LOCAL_ISSUER`].
    pub fn issuer(&self) -> &str {
        &self.0.issuer
    }

    /// Whether the principal comes from an external issuer (not this
    /// service's own user base).
    pub fn is_external(&self) -> bool {
        self.0.external
    }

    /// Whose budget a request spends: the [`caller`](Self::caller), except
    /// that a request made with an API key is held apart from its owner's
    /// logins, as the pair
    /// ([`API_KEY_ISSUER`](crate::auth::api_key::API_KEY_ISSUER), owner).
    /// What `RateLimitLayer` budgets by: a leaked key spends its own budget,
    /// never its owner's (it cannot lock the owner out). The key still acts
    /// for its owner: [`owns`](Self::owns) and `#[idempotent]`'s records go
    /// by the caller.
    pub fn holder(&self) -> Caller<'_> {
        if !self.0.external && &*self.0.issuer == crate::auth::api_key::API_KEY_ISSUER {
            Caller::external(&self.0.issuer, &self.0.subject)
        } else {
            self.caller()
        }
    }

    /// The holder's key in a rate limiter ([`RateLimitKey::caller`] of
    /// [`holder`](Self::holder)), made once per principal.
    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    pub(crate) fn rate_limit_key(&self) -> &RateLimitKey {
        self.0.rate_limit_key.get_or_init(|| RateLimitKey::caller(self.holder()))
    }

    /// Whether both are copies of one principal (shared, not only equal).
    #[cfg(test)]
    pub(crate) fn is_same_as(&self, other: &Principal) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// The caller's identity: what state is keyed by. Home principals (the
    /// home identity provider and this service's API keys) share one
    /// namespace, so a user is one caller whichever of them authenticated
    /// it; an external principal is its (issuer, subject) pair.
    pub fn caller(&self) -> Caller<'_> {
        if self.0.external { Caller::external(&self.0.issuer, &self.0.subject) } else { Caller::home(&self.0.subject) }
    }

    /// The roles, sorted.
    pub fn roles(&self) -> impl Iterator<Item = &str> {
        self.0.roles.iter().map(String::as_str)
    }

    /// The scopes, sorted.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.0.scopes.iter().map(String::as_str)
    }

    /// Whether the principal has this role.
    pub fn has_role(&self, role: &str) -> bool {
        self.0.roles.contains(role)
    }

    /// Whether the principal has this scope.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.0.scopes.contains(scope)
    }

    /// Whether the principal has the [`ADMIN_ROLE`].
    pub fn is_admin(&self) -> bool {
        self.has_role(ADMIN_ROLE)
    }

    /// The role check of a privileged operation: `Forbidden` without the role.
    pub fn require_role(&self, role: &str) -> Result<(), Forbidden> {
        if self.has_role(role) { Ok(()) } else { Err(self.denied(Check::Role)) }
    }

    /// The scope check of an operation: `Forbidden` without the scope.
    pub fn require_scope(&self, scope: &str) -> Result<(), Forbidden> {
        if self.has_scope(scope) { Ok(()) } else { Err(self.denied(Check::Scope)) }
    }

    /// Whether the principal owns something with this owner id: a plain id
    /// names a home user, a [`CallerId`](crate::CallerId) any caller.
    pub fn owns<O: OwnerId + ?Sized>(&self, owner: &O) -> bool {
        owner.is_caller(self.caller())
    }

    /// The ownership check: the owner itself, or an admin. What
    /// `#[owned_by(param)]` runs before a handler's body.
    pub fn require_owner<O: OwnerId + ?Sized>(&self, owner: &O) -> Result<(), Forbidden> {
        if self.owns(owner) || self.is_admin() { Ok(()) } else { Err(self.denied(Check::Owner)) }
    }

    /// The only way to let an owned resource leave the server: `Ok` for its
    /// owner or an admin, `Forbidden` for anyone else.
    pub fn authorize<T: Owned>(&self, resource: T) -> Result<Authorized<T>, Forbidden> {
        self.require_owner(resource.owner())?;
        Ok(Authorized::new(resource))
    }

    /// Keeps only the resources this principal may see (all of them for an
    /// admin), in their order: for list endpoints, where one foreign
    /// resource is dropped rather than failing the whole list.
    pub fn authorize_all<T: Owned, I: IntoIterator<Item = T>>(&self, resources: I) -> Vec<Authorized<T>> {
        let admin = self.is_admin();
        resources.into_iter().filter(|r| admin || self.owns(r.owner())).map(Authorized::new).collect()
    }

    #[cold]
    fn denied(&self, check: Check) -> Forbidden {
        crate::telemetry::access_denied(check, self);
        Forbidden
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_api_key_acts_for_its_owner_but_holds_budgets_of_its_own() {
        let login = Principal::home("https://id.example.com", "alice");
        let key = Principal::home(crate::auth::api_key::API_KEY_ISSUER, "alice");
        assert_eq!(login.caller(), key.caller(), "one user");
        assert!(login.owns("alice") && key.owns("alice"));
        assert_ne!(login.holder(), key.holder());
        assert_ne!(login.rate_limit_key(), key.rate_limit_key());
        assert_eq!(login.holder(), login.caller());
        let partner = Principal::external("https://partner.example", "alice");
        assert_eq!(partner.holder(), partner.caller());
        assert_ne!(partner.holder(), key.holder());
    }

    #[test]
    fn the_remembered_rate_limit_key_is_the_callers() {
        let home = Principal::new("42");
        let partner = Principal::external("https://partner.example", "42");
        for p in [&home, &partner] {
            assert_eq!(p.rate_limit_key(), &RateLimitKey::caller(p.caller()));
            // Asked again, and after roles were added to a copy: the same.
            assert_eq!(p.rate_limit_key(), &RateLimitKey::caller(p.caller()));
            let promoted = p.clone().with_roles(["admin"]);
            assert_eq!(promoted.rate_limit_key(), &RateLimitKey::caller(p.caller()));
        }
        assert_ne!(home.rate_limit_key(), partner.rate_limit_key(), "two issuers' user 42 are two budgets");
    }

    #[test]
    fn a_shared_principal_compares_and_prints_as_its_identity() {
        let a = Principal::new("7").with_scopes(["orders:read"]);
        let b = Principal::new("7").with_scopes(["orders:read"]);
        let _ = a.rate_limit_key();
        assert_eq!(a, b, "the remembered key is not part of the identity");
        assert_ne!(a, b.clone().with_roles(["admin"]));
        assert_eq!(
            format!("{a:?}"),
            r#"Principal { issuer: "local", external: false, subject: "7", roles: {}, scopes: {"orders:read"} }"#
        );
    }
}
