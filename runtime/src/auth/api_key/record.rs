//! What a store knows about a key: never the key, only its hash and what it
//! grants.

use std::collections::BTreeSet;
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::error::ApiKeyError;
use super::hash::ApiKeyHash;
use super::key::{ApiKey, ApiKeyEnvironment, ApiKeyKind};
use crate::auth::{Derived, Principal};

/// The longest lifetime of a key: 90 days (the security reference's
/// "rotate regularly (90 days max)").
pub const MAX_KEY_LIFETIME: Duration = Duration::from_secs(90 * 24 * 60 * 60);

/// The most scopes one key may have: 100.
pub const MAX_SCOPES: usize = 100;

/// The longest scope, in bytes: 128.
pub const MAX_SCOPE_LEN: usize = 128;

/// The longest owner subject, in bytes: 256.
pub const MAX_OWNER_LEN: usize = 256;

/// A stored API key: its hash, a display prefix, who owns it, what it may
/// do, when it expires and whether it was revoked.
///
/// Made by [`ApiKeyIssuer`](super::ApiKeyIssuer) (which enforces the limits)
/// or read back from a store ([`StoredApiKey`]).
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeyRecord {
    pub(super) hash: ApiKeyHash,
    // Shared, so a store hands out a record per request without copying
    // strings (the memory store's lookup is a clone).
    pub(super) display_prefix: Arc<str>,
    pub(super) kind: ApiKeyKind,
    pub(super) environment: ApiKeyEnvironment,
    pub(super) owner: Arc<str>,
    pub(super) scopes: Arc<BTreeSet<String>>,
    pub(super) created_at: i64,
    pub(super) expires_at: i64,
    pub(super) revoked_at: Option<i64>,
    pub(super) rotated_at: Option<i64>,
    /// The principal of [`principal`](Self::principal), made on first use
    /// and shared by the record's copies (a store's lookup is a copy): a
    /// key's requests share one principal and its rate-limit key. Owner and
    /// scopes never change after the record is made.
    principal: Arc<Derived<Principal>>,
}

impl fmt::Debug for ApiKeyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeyRecord")
            .field("hash", &self.hash)
            .field("display_prefix", &self.display_prefix)
            .field("kind", &self.kind)
            .field("environment", &self.environment)
            .field("owner", &self.owner)
            .field("scopes", &self.scopes)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("revoked_at", &self.revoked_at)
            .field("rotated_at", &self.rotated_at)
            .finish()
    }
}

impl ApiKeyRecord {
    /// The scopes as a set.
    pub(super) fn scope_set(&self) -> &BTreeSet<String> {
        &self.scopes
    }

    /// The record of a new key, checked: owner and scopes well-formed, the
    /// lifetime at most [`MAX_KEY_LIFETIME`].
    pub(super) fn new(
        key: &ApiKey,
        owner: &str,
        scopes: BTreeSet<String>,
        created_at: i64,
        lifetime: Duration,
    ) -> Result<ApiKeyRecord, ApiKeyError> {
        if lifetime > MAX_KEY_LIFETIME {
            return Err(ApiKeyError::ExpiryTooLong);
        }
        check_owner(owner)?;
        check_scopes(&scopes)?;
        Ok(ApiKeyRecord {
            hash: key.hash(),
            display_prefix: Arc::from(key.display_prefix()),
            kind: key.kind(),
            environment: key.environment(),
            owner: Arc::from(owner),
            scopes: Arc::new(scopes),
            created_at,
            expires_at: created_at.saturating_add(crate::time::secs(lifetime)),
            revoked_at: None,
            rotated_at: None,
            principal: Arc::default(),
        })
    }

    /// The SHA-256 of the key: the store's lookup key.
    pub fn hash(&self) -> &ApiKeyHash {
        &self.hash
    }

    /// The start of the key (`sk-live-AbC1`), to show in a dashboard.
    pub fn display_prefix(&self) -> &str {
        &self.display_prefix
    }

    /// Secret or publishable.
    pub fn kind(&self) -> ApiKeyKind {
        self.kind
    }

    /// Live or test.
    pub fn environment(&self) -> ApiKeyEnvironment {
        self.environment
    }

    /// The subject the key authenticates as (a user or service id).
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The scopes, sorted.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.scopes.iter().map(String::as_str)
    }

    /// Whether the key has this scope.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.contains(scope)
    }

    /// Creation time, Unix seconds.
    pub fn created_at(&self) -> i64 {
        self.created_at
    }

    /// Expiry, Unix seconds: the key is valid strictly before it.
    pub fn expires_at(&self) -> i64 {
        self.expires_at
    }

    /// When the key was revoked, if it was.
    pub fn revoked_at(&self) -> Option<i64> {
        self.revoked_at
    }

    /// Whether the key was revoked.
    pub fn is_revoked(&self) -> bool {
        self.revoked_at.is_some()
    }

    /// When the key was rotated (its successor's creation time), if it was.
    /// A rotated key stays valid until its (shortened) expiry, but cannot be
    /// rotated again: one key, at most one successor.
    pub fn rotated_at(&self) -> Option<i64> {
        self.rotated_at
    }

    /// Whether the key was rotated.
    pub fn is_rotated(&self) -> bool {
        self.rotated_at.is_some()
    }

    /// The authenticated caller: a home principal (this service issued the
    /// key to one of its own users) of issuer [`API_KEY_ISSUER`], the owner
    /// as subject, the key's scopes, no roles (an API key acts for its owner
    /// only within its scopes).
    pub fn principal(&self) -> Principal {
        let made = || {
            static ISSUER: OnceLock<Arc<str>> = OnceLock::new();
            let issuer = Arc::clone(ISSUER.get_or_init(|| Arc::from(API_KEY_ISSUER)));
            Principal::home_with_shared_scopes(issuer, Arc::clone(&self.owner), Arc::clone(&self.scopes))
        };
        self.principal.get_or_init(made).clone()
    }
}

impl From<&ApiKeyRecord> for Principal {
    fn from(record: &ApiKeyRecord) -> Principal {
        record.principal()
    }
}

/// The [`Principal::issuer`] of principals authenticated by an API key.
pub const API_KEY_ISSUER: &str = "apishield:api-key";

/// A record in plain fields, for stores: what to write to a database row
/// and read back. Converting back checks the record's consistency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredApiKey {
    /// [`ApiKeyRecord::hash`].
    pub hash: ApiKeyHash,
    /// [`ApiKeyRecord::display_prefix`].
    pub display_prefix: String,
    /// [`ApiKeyRecord::kind`].
    pub kind: ApiKeyKind,
    /// [`ApiKeyRecord::environment`].
    pub environment: ApiKeyEnvironment,
    /// [`ApiKeyRecord::owner`].
    pub owner: String,
    /// [`ApiKeyRecord::scopes`].
    pub scopes: Vec<String>,
    /// [`ApiKeyRecord::created_at`].
    pub created_at: i64,
    /// [`ApiKeyRecord::expires_at`].
    pub expires_at: i64,
    /// [`ApiKeyRecord::revoked_at`].
    pub revoked_at: Option<i64>,
    /// [`ApiKeyRecord::rotated_at`]: a store must persist it, since it is
    /// what refuses a second rotation of the same key.
    pub rotated_at: Option<i64>,
}

impl From<&ApiKeyRecord> for StoredApiKey {
    fn from(record: &ApiKeyRecord) -> StoredApiKey {
        StoredApiKey {
            hash: record.hash,
            display_prefix: record.display_prefix.to_string(),
            kind: record.kind,
            environment: record.environment,
            owner: record.owner.to_string(),
            scopes: record.scopes.iter().cloned().collect(),
            created_at: record.created_at,
            expires_at: record.expires_at,
            revoked_at: record.revoked_at,
            rotated_at: record.rotated_at,
        }
    }
}

impl TryFrom<StoredApiKey> for ApiKeyRecord {
    type Error = ApiKeyError;

    /// Fails with [`ApiKeyError::InvalidRecord`] if the fields could not
    /// have come from an issuer: a display prefix that does not match the
    /// kind and environment, a malformed owner or scope, `expires_at` before
    /// `created_at`. (A lifetime above 90 days is refused at verification as
    /// [`ApiKeyError::Expired`].)
    fn try_from(stored: StoredApiKey) -> Result<ApiKeyRecord, ApiKeyError> {
        let prefix = format!("{}-{}-", stored.kind.as_str(), stored.environment.as_str());
        let scopes: BTreeSet<String> = stored.scopes.into_iter().collect();
        if !stored.display_prefix.starts_with(&prefix)
            || stored.display_prefix.len() > 16
            || stored.expires_at < stored.created_at
            || check_owner(&stored.owner).is_err()
            || check_scopes(&scopes).is_err()
        {
            return Err(ApiKeyError::InvalidRecord);
        }
        Ok(ApiKeyRecord {
            hash: stored.hash,
            display_prefix: Arc::from(stored.display_prefix),
            kind: stored.kind,
            environment: stored.environment,
            owner: Arc::from(stored.owner),
            scopes: Arc::new(scopes),
            created_at: stored.created_at,
            expires_at: stored.expires_at,
            revoked_at: stored.revoked_at,
            rotated_at: stored.rotated_at,
            principal: Arc::default(),
        })
    }
}

fn check_owner(owner: &str) -> Result<(), ApiKeyError> {
    if owner.is_empty() || owner.len() > MAX_OWNER_LEN || owner.chars().any(char::is_control) {
        return Err(ApiKeyError::InvalidOwner);
    }
    Ok(())
}

/// RFC 6749 section 3.3: `scope-token = 1*( %x21 / %x23-5B / %x5D-7E )`.
pub(super) fn is_scope_token(scope: &str) -> bool {
    !scope.is_empty()
        && scope.len() <= MAX_SCOPE_LEN
        && scope.bytes().all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E))
}

fn check_scopes(scopes: &BTreeSet<String>) -> Result<(), ApiKeyError> {
    if scopes.len() > MAX_SCOPES || !scopes.iter().all(|s| is_scope_token(s)) {
        return Err(ApiKeyError::InvalidScope);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_records_copies_share_one_principal() {
        let key = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Live).unwrap();
        let scopes: BTreeSet<String> = ["orders:read".to_owned()].into();
        let record = ApiKeyRecord::new(&key, "alice", scopes, 0, Duration::from_secs(60)).unwrap();
        let looked_up = record.clone();
        let (first, again) = (record.principal(), looked_up.principal());
        assert!(first.is_same_as(&again), "made once, shared by the store's copies");
        assert_eq!(first, Principal::home(API_KEY_ISSUER, "alice").with_scopes(["orders:read"]));
        // The remembered principal is not part of the record.
        let fresh = ApiKeyRecord { principal: Arc::default(), ..record.clone() };
        assert_eq!(fresh, record);
        assert_eq!(format!("{fresh:?}"), format!("{record:?}"));
        assert!(!format!("{record:?}").contains("principal"));
    }

    #[test]
    fn scope_tokens() {
        for good in ["orders:read", "https://api.example.com/write", "a"] {
            assert!(is_scope_token(good), "{good}");
        }
        for bad in ["", "two words", "quo\"te", "back\\slash", "tab\t", "é"] {
            assert!(!is_scope_token(bad), "{bad}");
        }
    }
}
