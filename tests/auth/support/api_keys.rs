//! The contract every `ApiKeyStore` must keep, run against the memory store
//! and against Redis.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use apishield::auth::api_key::{
    ApiKey, ApiKeyEnvironment, ApiKeyError, ApiKeyHash, ApiKeyIssuer, ApiKeyKind, ApiKeyRecord, ApiKeyStore,
    ApiKeyStoreError, ApiKeyVerifier, MAX_KEY_LIFETIME, StoredApiKey,
};
use apishield::store::BoxFuture;

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// A store that counts lookups, to prove which refusals never reach it.
#[derive(Debug, Clone)]
pub struct Counting<S> {
    pub inner: S,
    pub gets: Arc<AtomicUsize>,
}

impl<S> Counting<S> {
    pub fn new(inner: S) -> Self {
        Counting { inner, gets: Arc::new(AtomicUsize::new(0)) }
    }

    pub fn lookups(&self) -> usize {
        self.gets.load(Ordering::SeqCst)
    }
}

impl<S: ApiKeyStore> ApiKeyStore for Counting<S> {
    fn get<'a>(&'a self, hash: &'a ApiKeyHash) -> BoxFuture<'a, Result<Option<ApiKeyRecord>, ApiKeyStoreError>> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        self.inner.get(hash)
    }

    fn insert<'a>(&'a self, record: &'a ApiKeyRecord) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
        self.inner.insert(record)
    }

    fn revoke<'a>(&'a self, hash: &'a ApiKeyHash, at: i64) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
        self.inner.revoke(hash, at)
    }

    fn rotate<'a>(
        &'a self,
        old: &'a ApiKeyHash,
        new: &'a ApiKeyRecord,
        old_expires_at: i64,
    ) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
        self.inner.rotate(old, new, old_expires_at)
    }
}

/// Issue, verify, scopes, environment, kind, revocation, expiry, rotation.
pub async fn store_contract<S: ApiKeyStore + Clone + std::fmt::Debug>(store: S) {
    let store = Counting::new(store);
    let issuer = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live);
    let verifier = ApiKeyVerifier::new(store.clone(), ApiKeyEnvironment::Live);

    // Issue and verify.
    let (key, record) = issuer.issue(ApiKeyKind::Secret, "user-42", ["orders:read", "orders:write"]).await.unwrap();
    assert!(key.expose_secret().starts_with("sk-live-"));
    assert_eq!(record.display_prefix(), key.display_prefix());
    assert_eq!(record.expires_at() - record.created_at(), MAX_KEY_LIFETIME.as_secs() as i64);
    let verified = verifier.verify(&key, Some("orders:read")).await.unwrap();
    assert_eq!(verified, record);
    let principal = verified.principal();
    assert_eq!(principal.subject(), "user-42");
    assert_eq!(principal.scopes().collect::<Vec<_>>(), ["orders:read", "orders:write"]);
    assert_eq!(principal.roles().count(), 0);
    assert!(verifier.verify(&key, None).await.is_ok());
    let header = format!("ApiKey {}", key.expose_secret());
    assert!(verifier.verify_header(&header, Some("orders:write")).await.is_ok());

    // Missing scope.
    assert_eq!(verifier.verify(&key, Some("admin")).await.unwrap_err(), ApiKeyError::MissingScope);

    // Refused before any lookup: wrong environment, publishable, bad checksum.
    let before = store.lookups();
    let test_key = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Test).unwrap();
    assert_eq!(verifier.verify(&test_key, None).await.unwrap_err(), ApiKeyError::WrongEnvironment);
    let mut typo = key.expose_secret().to_string();
    let c = if typo.as_bytes()[20] == b'x' { "y" } else { "x" };
    typo.replace_range(20..21, c);
    assert_eq!(verifier.verify_header(&format!("ApiKey {typo}"), None).await.unwrap_err(), ApiKeyError::BadChecksum);
    let (pk, _) = issuer.issue(ApiKeyKind::Publishable, "user-42", ["widget:read"]).await.unwrap();
    assert_eq!(verifier.verify(&pk, None).await.unwrap_err(), ApiKeyError::PublishableKey);
    assert_eq!(store.lookups(), before, "none of these reached the store");
    let public_ok = ApiKeyVerifier::new(store.clone(), ApiKeyEnvironment::Live).allow_publishable();
    assert!(public_ok.verify(&pk, Some("widget:read")).await.is_ok());

    // A test server refuses live keys.
    let test_verifier = ApiKeyVerifier::new(store.clone(), ApiKeyEnvironment::Test);
    assert_eq!(test_verifier.verify(&key, None).await.unwrap_err(), ApiKeyError::WrongEnvironment);

    // Unknown key: right format, never issued.
    let stranger = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Live).unwrap();
    assert_eq!(verifier.verify(&stranger, None).await.unwrap_err(), ApiKeyError::UnknownKey);

    // Expiry: valid strictly before expires_at.
    assert!(verifier.verify_at(&key, None, record.expires_at() - 1).await.is_ok());
    assert_eq!(verifier.verify_at(&key, None, record.expires_at()).await.unwrap_err(), ApiKeyError::Expired);

    // Lifetime limits.
    assert_eq!(
        ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live)
            .lifetime(MAX_KEY_LIFETIME + Duration::from_secs(1))
            .unwrap_err(),
        ApiKeyError::ExpiryTooLong
    );
    let short = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live).lifetime(Duration::from_secs(60)).unwrap();
    let (brief, brief_record) = short.issue(ApiKeyKind::Secret, "svc", Vec::<String>::new()).await.unwrap();
    assert_eq!(brief_record.expires_at() - brief_record.created_at(), 60);
    assert!(verifier.verify(&brief, None).await.is_ok());

    // Issuance refuses bad owners and scopes.
    assert_eq!(issuer.issue(ApiKeyKind::Secret, "", ["a"]).await.unwrap_err(), ApiKeyError::InvalidOwner);
    assert_eq!(issuer.issue(ApiKeyKind::Secret, "u\n", ["a"]).await.unwrap_err(), ApiKeyError::InvalidOwner);
    assert_eq!(issuer.issue(ApiKeyKind::Secret, "u", ["two words"]).await.unwrap_err(), ApiKeyError::InvalidScope);

    // Rotation with a grace period: both keys valid now; after the grace
    // only the new one; the new one has a full lifetime and the same grants.
    let (old, old_record) = issuer.issue(ApiKeyKind::Secret, "svc-billing", ["invoices:write"]).await.unwrap();
    let (new, new_record) = issuer.rotate(old_record.hash(), Duration::from_secs(3600)).await.unwrap();
    assert_ne!(old.hash(), new.hash());
    assert_eq!(new_record.owner(), "svc-billing");
    assert_eq!(new_record.scopes().collect::<Vec<_>>(), ["invoices:write"]);
    assert!(verifier.verify(&old, Some("invoices:write")).await.is_ok());
    assert!(verifier.verify(&new, Some("invoices:write")).await.is_ok());
    let old_now = verifier.verify(&old, None).await.unwrap();
    assert!(old_now.expires_at() <= now() + 3600 && old_now.expires_at() >= now() + 3590);
    let later = now() + 7200;
    assert_eq!(verifier.verify_at(&old, None, later).await.unwrap_err(), ApiKeyError::Expired);
    assert!(verifier.verify_at(&new, None, later).await.is_ok());
    // A grace longer than the old key's remaining life does not extend it.
    let (_, brief_rotated) = short.rotate(brief_record.hash(), Duration::from_secs(86_400)).await.unwrap();
    let brief_after = verifier.verify(&brief, None).await.unwrap();
    assert_eq!(brief_after.expires_at(), brief_record.expires_at());
    assert!(brief_rotated.expires_at() > brief_after.expires_at() - 1);

    // One key, at most one successor: rotating it again during its grace
    // period is refused and changes nothing; the successor rotates on.
    let marked = store.get(old_record.hash()).await.unwrap().unwrap();
    assert_eq!(marked.rotated_at(), Some(new_record.created_at()));
    assert_eq!(new_record.rotated_at(), None);
    assert_eq!(
        issuer.rotate(old_record.hash(), Duration::from_secs(60)).await.unwrap_err(),
        ApiKeyError::AlreadyRotated
    );
    assert_eq!(store.get(old_record.hash()).await.unwrap().unwrap(), marked, "a refused rotation writes nothing");
    let fresh = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Live).unwrap();
    let fresh_record = ApiKeyRecord::try_from(StoredApiKey {
        hash: fresh.hash(),
        display_prefix: fresh.display_prefix().to_owned(),
        ..StoredApiKey::from(&new_record)
    })
    .unwrap();
    assert!(!store.rotate(old_record.hash(), &fresh_record, now()).await.unwrap(), "the store refuses it too");
    assert!(store.get(&fresh.hash()).await.unwrap().is_none());
    let (third, third_record) = issuer.rotate(new_record.hash(), Duration::from_secs(3600)).await.unwrap();
    assert!(verifier.verify(&third, Some("invoices:write")).await.is_ok());
    assert!(verifier.verify(&new, None).await.is_ok(), "in its grace period");
    assert_eq!(
        issuer.rotate(new_record.hash(), Duration::from_secs(60)).await.unwrap_err(),
        ApiKeyError::AlreadyRotated
    );
    assert_eq!(third_record.rotated_at(), None);

    // Revocation: immediate, and a revoked key cannot be rotated.
    issuer.revoke(new_record.hash()).await.unwrap();
    assert_eq!(verifier.verify(&new, None).await.unwrap_err(), ApiKeyError::Revoked);
    assert!(verifier.verify(&new, None).await.is_err());
    assert_eq!(issuer.rotate(new_record.hash(), Duration::from_secs(60)).await.unwrap_err(), ApiKeyError::Revoked);
    assert_eq!(issuer.revoke(&stranger.hash()).await.unwrap_err(), ApiKeyError::UnknownKey);
    assert_eq!(issuer.rotate(&stranger.hash(), Duration::from_secs(60)).await.unwrap_err(), ApiKeyError::UnknownKey);
    let revoked = store.get(new_record.hash()).await.unwrap().unwrap();
    assert!(revoked.revoked_at().is_some());

    // The store never sees the key, and a record cannot be inserted twice.
    assert!(!store.insert(&record).await.unwrap());
}

/// Many tasks rotate one key at once: exactly one gets a successor, every
/// other is told the key was already rotated, and only the old key and that
/// one successor are live.
pub async fn concurrent_rotations<S: ApiKeyStore + Clone + 'static>(store: S, tasks: usize) {
    let issuer = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live);
    let verifier = ApiKeyVerifier::new(store.clone(), ApiKeyEnvironment::Live);
    let (old, record) = issuer.issue(ApiKeyKind::Secret, "svc-race", ["x"]).await.unwrap();
    // Each task waits at the barrier, so the rotations really overlap.
    let start = Arc::new(tokio::sync::Barrier::new(tasks));
    let rotations: Vec<_> = (0..tasks)
        .map(|i| {
            let (issuer, start, hash) = (issuer.clone(), Arc::clone(&start), *record.hash());
            tokio::spawn(async move {
                start.wait().await;
                issuer.rotate(&hash, Duration::from_secs(60 + i as u64)).await
            })
        })
        .collect();
    let mut successors = Vec::new();
    for handle in rotations {
        match handle.await.unwrap() {
            Ok((key, new_record)) => successors.push((key, new_record)),
            Err(e) => assert_eq!(e, ApiKeyError::AlreadyRotated),
        }
    }
    assert_eq!(successors.len(), 1, "exactly one rotation wins");
    let (winner, winner_record) = &successors[0];
    assert!(verifier.verify(winner, Some("x")).await.is_ok());
    let old_now = verifier.verify(&old, None).await.unwrap();
    assert_eq!(old_now.rotated_at(), Some(winner_record.created_at()));
    assert!(old_now.expires_at() <= now() + 60 + tasks as i64);
}
