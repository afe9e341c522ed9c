//! The authenticated caller.

use std::collections::BTreeSet;

use super::owner::{Forbidden, Owned, OwnerId};
use crate::response::Authorized;

/// The role that may read and change every owner's resources.
pub const ADMIN_ROLE: &str = "admin";

/// The authenticated caller: a subject (user or service id), roles and
/// scopes. Made by JWT or API-key authentication, never from request data.
///
/// ```
/// use apishield::Principal;
///
/// let alice = Principal::new("42").with_roles(["editor"]).with_scopes(["orders:read"]);
/// assert!(alice.has_role("editor") && alice.has_scope("orders:read"));
/// assert!(alice.require_role("admin").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    subject: String,
    roles: BTreeSet<String>,
    scopes: BTreeSet<String>,
}

impl Principal {
    /// A principal with this subject and no roles or scopes.
    pub fn new(subject: impl Into<String>) -> Self {
        Principal { subject: subject.into(), roles: BTreeSet::new(), scopes: BTreeSet::new() }
    }

    /// Adds roles.
    #[must_use]
    pub fn with_roles<I, R>(mut self, roles: I) -> Self
    where
        I: IntoIterator<Item = R>,
        R: Into<String>,
    {
        self.roles.extend(roles.into_iter().map(Into::into));
        self
    }

    /// Adds scopes.
    #[must_use]
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes.extend(scopes.into_iter().map(Into::into));
        self
    }

    /// The subject: the caller's user or service id.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The roles, sorted.
    pub fn roles(&self) -> impl Iterator<Item = &str> {
        self.roles.iter().map(String::as_str)
    }

    /// The scopes, sorted.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scopes.iter().map(String::as_str)
    }

    /// Whether the principal has this role.
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.contains(role)
    }

    /// Whether the principal has this scope.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.contains(scope)
    }

    /// Whether the principal has the [`ADMIN_ROLE`].
    pub fn is_admin(&self) -> bool {
        self.has_role(ADMIN_ROLE)
    }

    /// The role check of a privileged operation: `Forbidden` without the role.
    pub fn require_role(&self, role: &str) -> Result<(), Forbidden> {
        if self.has_role(role) { Ok(()) } else { Err(self.denied("role")) }
    }

    /// The scope check of an operation: `Forbidden` without the scope.
    pub fn require_scope(&self, scope: &str) -> Result<(), Forbidden> {
        if self.has_scope(scope) { Ok(()) } else { Err(self.denied("scope")) }
    }

    /// Whether the principal owns something with this owner id.
    pub fn owns<O: OwnerId + ?Sized>(&self, owner: &O) -> bool {
        owner.is_subject(&self.subject)
    }

    /// The ownership check: the owner itself, or an admin. What
    /// `#[owned_by(param)]` runs before a handler's body.
    pub fn require_owner<O: OwnerId + ?Sized>(&self, owner: &O) -> Result<(), Forbidden> {
        if self.owns(owner) || self.is_admin() { Ok(()) } else { Err(self.denied("owner")) }
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
    fn denied(&self, check: &'static str) -> Forbidden {
        tracing::info!(subject = %self.subject, check, "access denied");
        Forbidden
    }
}
