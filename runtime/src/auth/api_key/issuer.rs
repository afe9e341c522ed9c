//! Issuing, rotating and revoking keys: the admin side.

use std::collections::BTreeSet;
use std::time::Duration;

use super::error::ApiKeyError;
use super::hash::ApiKeyHash;
use super::key::{ApiKey, ApiKeyEnvironment, ApiKeyKind};
use super::record::{ApiKeyRecord, MAX_KEY_LIFETIME};
use super::store::ApiKeyStore;
use crate::time::{Clock, SharedClock, secs};

/// Issues keys into a store: generated from the OS random generator, stored
/// only as a hash, valid for at most 90 days.
///
/// ```
/// use std::time::Duration;
/// use apishield::auth::api_key::{ApiKeyEnvironment, ApiKeyIssuer, ApiKeyKind, ApiKeyVerifier, MemoryApiKeyStore};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryApiKeyStore::new();
/// let issuer = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live).lifetime(Duration::from_secs(30 * 86400))?;
/// let verifier = ApiKeyVerifier::new(store, ApiKeyEnvironment::Live);
///
/// let (old, record) = issuer.issue(ApiKeyKind::Secret, "svc-billing", ["invoices:write"]).await?;
/// // Rotation: a new key with the same owner and scopes; the old one keeps
/// // working for the grace period, then expires.
/// let (new, _) = issuer.rotate(record.hash(), Duration::from_secs(3600)).await?;
/// assert!(verifier.verify(&old, None).await.is_ok());
/// assert!(verifier.verify(&new, None).await.is_ok());
/// # Ok::<(), apishield::auth::api_key::ApiKeyError>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct ApiKeyIssuer<S> {
    store: S,
    environment: ApiKeyEnvironment,
    lifetime: Duration,
    clock: SharedClock,
}

impl<S: ApiKeyStore> ApiKeyIssuer<S> {
    /// An issuer of `environment` keys with the maximum lifetime, 90 days.
    pub fn new(store: S, environment: ApiKeyEnvironment) -> Self {
        ApiKeyIssuer { store, environment, lifetime: MAX_KEY_LIFETIME, clock: SharedClock::system() }
    }

    /// The lifetime of issued keys: at most 90 days
    /// ([`ApiKeyError::ExpiryTooLong`] above).
    pub fn lifetime(mut self, lifetime: Duration) -> Result<Self, ApiKeyError> {
        if lifetime > MAX_KEY_LIFETIME {
            return Err(ApiKeyError::ExpiryTooLong);
        }
        self.lifetime = lifetime;
        Ok(self)
    }

    /// Reads the time (creation, rotation, revocation) from `clock` instead
    /// of the [`SystemClock`](crate::time::SystemClock).
    #[must_use]
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = SharedClock::new(clock);
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// A new key for `owner` with `scopes`, stored as a hash. The [`ApiKey`]
    /// is the only copy of the key: show it to its owner once.
    pub async fn issue<I, T>(
        &self,
        kind: ApiKeyKind,
        owner: &str,
        scopes: I,
    ) -> Result<(ApiKey, ApiKeyRecord), ApiKeyError>
    where
        I: IntoIterator<Item = T>,
        T: Into<String>,
    {
        let scopes: BTreeSet<String> = scopes.into_iter().map(Into::into).collect();
        let key = ApiKey::generate(kind, self.environment)?;
        let record = ApiKeyRecord::new(&key, owner, scopes, self.clock.now_secs(), self.lifetime)?;
        match self.store.insert(&record).await {
            Ok(true) => Ok((key, record)),
            // A 190-bit collision: not in this universe; refuse anyway.
            Ok(false) => Err(ApiKeyError::Randomness),
            Err(error) => {
                tracing::error!(%error, "API key store failed");
                Err(ApiKeyError::StoreUnavailable)
            }
        }
    }

    /// Rotation: a new key with the old one's kind, owner and scopes and a
    /// full lifetime; the old key stays valid for `grace` more (or until its
    /// own expiry, if sooner), then expires. Fails with
    /// [`ApiKeyError::UnknownKey`], [`Revoked`](ApiKeyError::Revoked) or
    /// [`Expired`](ApiKeyError::Expired) for such an old key.
    ///
    /// A key is rotated at most once: a second rotation of the same key (a
    /// double click, a retried admin call, two operators at once) fails with
    /// [`ApiKeyError::AlreadyRotated`] instead of minting a second live
    /// successor, and the store decides atomically, so of concurrent
    /// rotations exactly one succeeds. The next rotation is the successor's.
    pub async fn rotate(&self, old: &ApiKeyHash, grace: Duration) -> Result<(ApiKey, ApiKeyRecord), ApiKeyError> {
        let now = self.clock.now_secs();
        let previous = self.store.get(old).await.map_err(unavailable)?.ok_or(ApiKeyError::UnknownKey)?;
        refuse_rotation(&previous)?;
        if now >= previous.expires_at() {
            return Err(ApiKeyError::Expired);
        }
        if previous.environment() != self.environment {
            return Err(ApiKeyError::WrongEnvironment);
        }
        let key = ApiKey::generate(previous.kind(), self.environment)?;
        let record = ApiKeyRecord::new(&key, previous.owner(), previous.scope_set().clone(), now, self.lifetime)?;
        if self.store.rotate(old, &record, now.saturating_add(secs(grace))).await.map_err(unavailable)? {
            return Ok((key, record));
        }
        // Lost a race: revoked or rotated meanwhile. Say which.
        let current = self.store.get(old).await.map_err(unavailable)?.ok_or(ApiKeyError::UnknownKey)?;
        refuse_rotation(&current)?;
        // Neither: the new key's hash exists, a 190-bit collision (see `issue`).
        Err(ApiKeyError::Randomness)
    }

    /// Revokes a key at once (on compromise, or when its owner leaves).
    /// [`ApiKeyError::UnknownKey`] if there is no such key.
    pub async fn revoke(&self, hash: &ApiKeyHash) -> Result<(), ApiKeyError> {
        match self.store.revoke(hash, self.clock.now_secs()).await.map_err(unavailable)? {
            true => Ok(()),
            false => Err(ApiKeyError::UnknownKey),
        }
    }
}

/// A revoked or already rotated key is not rotated (again).
fn refuse_rotation(record: &ApiKeyRecord) -> Result<(), ApiKeyError> {
    if record.is_revoked() {
        return Err(ApiKeyError::Revoked);
    }
    if record.is_rotated() {
        return Err(ApiKeyError::AlreadyRotated);
    }
    Ok(())
}

fn unavailable(error: super::store::ApiKeyStoreError) -> ApiKeyError {
    tracing::error!(%error, "API key store failed");
    ApiKeyError::StoreUnavailable
}
