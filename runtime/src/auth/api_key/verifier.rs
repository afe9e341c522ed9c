//! Per-request verification of an API key.

use std::sync::Arc;
use std::time::Duration;

use super::error::ApiKeyError;
use super::key::{ApiKey, ApiKeyEnvironment, ApiKeyKind};
use super::record::{ApiKeyRecord, MAX_KEY_LIFETIME};
use super::store::ApiKeyStore;
use crate::time::{Clock, SharedClock, secs};

/// Verifies API keys against a store, for one environment.
///
/// In order: the key's format and checksum (already checked when the
/// [`ApiKey`] was parsed: a mistyped or made-up key never reaches the
/// store), its environment (a `sk-test-` key on a live server is refused
/// before any lookup), its kind (publishable keys only if allowed), the
/// record (found by SHA-256, compared in constant time), revocation, expiry,
/// and the required scope.
///
/// ```
/// use apishield::auth::api_key::{ApiKey, ApiKeyEnvironment, ApiKeyError, ApiKeyIssuer, ApiKeyKind, ApiKeyVerifier, MemoryApiKeyStore};
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryApiKeyStore::new();
/// let issuer = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live);
/// let verifier = ApiKeyVerifier::new(store, ApiKeyEnvironment::Live);
///
/// let (key, _record) = issuer.issue(ApiKeyKind::Secret, "user-42", ["orders:read"]).await?;
/// let header = format!("ApiKey {}", key.expose_secret()); // what the client sends
///
/// let record = verifier.verify(&ApiKey::from_authorization(&header)?, Some("orders:read")).await?;
/// assert_eq!(record.principal().subject(), "user-42");
/// assert_eq!(verifier.verify(&key, Some("orders:write")).await.unwrap_err(), ApiKeyError::MissingScope);
///
/// let test_key = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Test)?;
/// assert_eq!(verifier.verify(&test_key, None).await.unwrap_err(), ApiKeyError::WrongEnvironment);
/// # Ok::<(), ApiKeyError>(())
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct ApiKeyVerifier<S> {
    store: S,
    environment: ApiKeyEnvironment,
    allow_publishable: bool,
    clock: SharedClock,
}

impl<S: ApiKeyStore> ApiKeyVerifier<S> {
    /// A verifier for the keys of `environment` in `store`; publishable
    /// keys are refused.
    pub fn new(store: S, environment: ApiKeyEnvironment) -> Self {
        ApiKeyVerifier { store, environment, allow_publishable: false, clock: SharedClock::system() }
    }

    /// Also accepts publishable (`pk-`) keys: for endpoints meant for
    /// browser or mobile clients, whose keys are public by design (give them
    /// narrow scopes).
    #[must_use]
    pub fn allow_publishable(mut self) -> Self {
        self.allow_publishable = true;
        self
    }

    /// Reads the time (expiry) from `clock` instead of the
    /// [`SystemClock`](crate::time::SystemClock).
    #[must_use]
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = SharedClock::new(clock);
        self
    }

    /// The same verifier with its store behind an `Arc<dyn ApiKeyStore>`,
    /// one type whatever the store (what an authentication layer holds).
    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    pub(crate) fn into_shared(self) -> ApiKeyVerifier<Arc<dyn ApiKeyStore>>
    where
        S: 'static,
    {
        let ApiKeyVerifier { store, environment, allow_publishable, clock } = self;
        ApiKeyVerifier { store: Arc::new(store), environment, allow_publishable, clock }
    }

    /// The environment this verifier accepts.
    pub fn environment(&self) -> ApiKeyEnvironment {
        self.environment
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Verifies `key` now; with `required_scope`, also that the key has it.
    pub async fn verify(&self, key: &ApiKey, required_scope: Option<&str>) -> Result<ApiKeyRecord, ApiKeyError> {
        self.verify_at(key, required_scope, self.clock.now_secs()).await
    }

    /// Parses an `Authorization: ApiKey <key>` header value and verifies the
    /// key: what an authentication layer calls per request.
    pub async fn verify_header(
        &self,
        header_value: &str,
        required_scope: Option<&str>,
    ) -> Result<ApiKeyRecord, ApiKeyError> {
        let key = ApiKey::from_authorization(header_value)?;
        self.verify(&key, required_scope).await
    }

    /// Verifies `key` as of `now` (Unix seconds): for tests.
    pub async fn verify_at(
        &self,
        key: &ApiKey,
        required_scope: Option<&str>,
        now: i64,
    ) -> Result<ApiKeyRecord, ApiKeyError> {
        let result = self.check(key, required_scope, now).await;
        if let Err(error) = &result {
            // No part of the key: a refused key may be a real one, expired or revoked.
            tracing::debug!(reason = error.code(), "API key rejected");
        }
        result
    }

    async fn check(&self, key: &ApiKey, required_scope: Option<&str>, now: i64) -> Result<ApiKeyRecord, ApiKeyError> {
        if key.environment() != self.environment {
            return Err(ApiKeyError::WrongEnvironment);
        }
        if key.kind() == ApiKeyKind::Publishable && !self.allow_publishable {
            return Err(ApiKeyError::PublishableKey);
        }
        let hash = key.hash();
        let record = match self.store.get(&hash).await {
            Ok(Some(record)) => record,
            Ok(None) => return Err(ApiKeyError::UnknownKey),
            Err(error) => {
                tracing::error!(%error, "API key store failed");
                return Err(ApiKeyError::StoreUnavailable);
            }
        };
        // Constant-time (`ApiKeyHash`'s `PartialEq`): whatever way the store
        // found the record, the final match does not leak by timing.
        if *record.hash() != hash {
            return Err(ApiKeyError::UnknownKey);
        }
        if record.is_revoked() {
            return Err(ApiKeyError::Revoked);
        }
        let lifetime = record.expires_at().saturating_sub(record.created_at());
        if now >= record.expires_at() || lifetime > secs(MAX_KEY_LIFETIME) {
            return Err(ApiKeyError::Expired);
        }
        if record.environment() != self.environment || record.kind() != key.kind() {
            return Err(ApiKeyError::InvalidRecord);
        }
        if let Some(scope) = required_scope
            && !record.has_scope(scope)
        {
            return Err(ApiKeyError::MissingScope);
        }
        Ok(record)
    }
}

/// The default grace period of a rotation: 24 hours, during which the old
/// key keeps working so clients can switch.
pub const DEFAULT_ROTATION_GRACE: Duration = Duration::from_secs(24 * 60 * 60);
