//! API keys with the in-memory store: the store contract, the key format a
//! scanner can check offline, the principal, and what never leaks.

use crate::support as auth_support;

use apishield::Principal;
use apishield::auth::api_key::{
    ApiKey, ApiKeyEnvironment, ApiKeyError, ApiKeyHash, ApiKeyIssuer, ApiKeyKind, ApiKeyRecord, ApiKeyStore,
    ApiKeyVerifier, MemoryApiKeyStore, StoredApiKey, checksum,
};
use auth_support::api_keys::{concurrent_rotations, store_contract};

#[tokio::test]
async fn memory_store_keeps_the_contract() {
    store_contract(MemoryApiKeyStore::new()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_rotates_a_key_once_under_concurrency() {
    concurrent_rotations(MemoryApiKeyStore::new(), 64).await;
}

#[test]
fn the_format_a_secret_scanner_checks_offline() {
    // What a scanner does with a candidate string: prefix, length, alphabet,
    // then recompute the CRC32 of everything before the last 6 characters.
    fn scanner_says_real(candidate: &str) -> bool {
        let prefixes = ["sk-live-", "sk-test-", "pk-live-", "pk-test-"];
        candidate.len() == 46
            && prefixes.iter().any(|p| candidate.starts_with(p))
            && candidate[8..].bytes().all(|b| b.is_ascii_alphanumeric())
            && checksum(&candidate.as_bytes()[..40]) == candidate[40..]
    }
    for kind in [ApiKeyKind::Secret, ApiKeyKind::Publishable] {
        for env in [ApiKeyEnvironment::Live, ApiKeyEnvironment::Test] {
            let key = ApiKey::generate(kind, env).unwrap();
            assert!(scanner_says_real(key.expose_secret()));
        }
    }
    assert!(!scanner_says_real("sk-live-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA000000"));
    // The security reference's example key is a look-alike, not a key.
    assert_eq!(ApiKey::parse("sk-live-abc123def456").unwrap_err(), ApiKeyError::Malformed);
}

#[test]
fn keys_have_at_least_128_bits_from_the_os_generator() {
    // 32 base62 characters: log2(62^32) = 190.5 bits. Statistically: in 2000
    // keys every character position takes many values and no key repeats.
    let keys: Vec<String> = (0..2000)
        .map(|_| ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Live).unwrap().expose_secret().to_string())
        .collect();
    let distinct: std::collections::HashSet<_> = keys.iter().collect();
    assert_eq!(distinct.len(), keys.len());
    for position in 8..40 {
        let values: std::collections::HashSet<u8> = keys.iter().map(|k| k.as_bytes()[position]).collect();
        assert!(values.len() > 55, "position {position}: {} values", values.len());
    }
    assert!(32.0 * 62f64.log2() >= 128.0);
}

#[test]
fn hashes_are_sha256_and_compare_in_constant_time() {
    let key = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Live).unwrap();
    let hash = key.hash();
    assert_eq!(hash.to_hex().len(), 64);
    assert_eq!(ApiKeyHash::from_hex(&hash.to_hex()), Some(hash));
    assert_eq!(ApiKeyHash::from_hex("zz"), None);
    assert_eq!(ApiKey::parse(key.expose_secret()).unwrap().hash(), hash);
    // Debug shows a short hash, never the key.
    assert!(!format!("{hash:?}").contains(&hash.to_hex()));
}

#[tokio::test]
async fn records_make_principals_and_never_hold_the_key() {
    let store = MemoryApiKeyStore::new();
    let issuer = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Test);
    let (key, record) = issuer.issue(ApiKeyKind::Secret, "svc-reports", ["reports:read"]).await.unwrap();
    let principal = Principal::from(&record);
    assert!(principal.has_scope("reports:read") && !principal.is_admin());
    let shown = format!("{record:?} {:?} {key:?}", StoredApiKey::from(&record));
    assert!(!shown.contains(&key.expose_secret()[12..]), "{shown}");
    assert!(shown.contains(key.display_prefix()));
    assert_eq!(store.len(), 1);
    assert_eq!(store.purge_expired(record.expires_at()), 0);
    assert_eq!(store.purge_expired(record.expires_at() + 1), 1);
}

#[test]
fn stored_records_are_checked_when_read_back() {
    let key = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Live).unwrap();
    let good = StoredApiKey {
        hash: key.hash(),
        display_prefix: key.display_prefix().to_string(),
        kind: ApiKeyKind::Secret,
        environment: ApiKeyEnvironment::Live,
        owner: "u".into(),
        scopes: vec!["a".into()],
        created_at: 100,
        expires_at: 200,
        revoked_at: None,
        rotated_at: None,
    };
    assert!(ApiKeyRecord::try_from(good.clone()).is_ok());
    for bad in [
        StoredApiKey { display_prefix: "pk-live-AAAA".into(), ..good.clone() },
        StoredApiKey { expires_at: 50, ..good.clone() },
        StoredApiKey { owner: String::new(), ..good.clone() },
        StoredApiKey { scopes: vec!["a b".into()], ..good.clone() },
    ] {
        assert_eq!(ApiKeyRecord::try_from(bad).unwrap_err(), ApiKeyError::InvalidRecord);
    }
}

#[tokio::test]
async fn a_record_claiming_more_than_90_days_is_refused() {
    // A store (or a database row edited by hand) may say anything; the
    // verifier re-checks the 90-day maximum.
    #[derive(Debug, Clone)]
    struct Lying(StoredApiKey);
    use apishield::auth::api_key::ApiKeyStoreError;
    use apishield::store::BoxFuture;
    impl ApiKeyStore for Lying {
        fn get<'a>(&'a self, _: &'a ApiKeyHash) -> BoxFuture<'a, Result<Option<ApiKeyRecord>, ApiKeyStoreError>> {
            Box::pin(async move { Ok(Some(ApiKeyRecord::try_from(self.0.clone()).unwrap())) })
        }
        fn insert<'a>(&'a self, _: &'a ApiKeyRecord) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
            Box::pin(async { Ok(false) })
        }
        fn revoke<'a>(&'a self, _: &'a ApiKeyHash, _: i64) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
            Box::pin(async { Ok(false) })
        }
        fn rotate<'a>(
            &'a self,
            _: &'a ApiKeyHash,
            _: &'a ApiKeyRecord,
            _: i64,
        ) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
            Box::pin(async { Ok(false) })
        }
    }
    let key = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Live).unwrap();
    let now = auth_support::api_keys::now();
    let stored = StoredApiKey {
        hash: key.hash(),
        display_prefix: key.display_prefix().to_string(),
        kind: ApiKeyKind::Secret,
        environment: ApiKeyEnvironment::Live,
        owner: "u".into(),
        scopes: vec![],
        created_at: now - 10,
        expires_at: now + 365 * 86_400,
        revoked_at: None,
        rotated_at: None,
    };
    let verifier = ApiKeyVerifier::new(Lying(stored.clone()), ApiKeyEnvironment::Live);
    assert_eq!(verifier.verify(&key, None).await.unwrap_err(), ApiKeyError::Expired);
    // And a record found for another key's hash is not that key's record.
    let other = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Live).unwrap();
    let verifier = ApiKeyVerifier::new(Lying(StoredApiKey { expires_at: now + 60, ..stored }), ApiKeyEnvironment::Live);
    assert_eq!(verifier.verify(&other, None).await.unwrap_err(), ApiKeyError::UnknownKey);
    assert!(verifier.verify(&key, None).await.is_ok());
}

#[test]
fn errors_never_echo_the_key() {
    let key = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Live).unwrap();
    let mut typo = key.expose_secret().to_string();
    typo.replace_range(45..46, if typo.ends_with('0') { "1" } else { "0" });
    let error = ApiKey::parse(&typo).unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(&typo[8..40]), "{shown}");
}

/// Issuer and verifier read one injected clock: a 30-day key works on its
/// last second and is expired on the next.
#[tokio::test]
async fn issuer_and_verifier_read_the_injected_clock() {
    let clock = apishield::time::ManualClock::from_secs(1_700_000_000);
    let store = MemoryApiKeyStore::new();
    let issuer = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live)
        .clock(clock.clone())
        .lifetime(std::time::Duration::from_secs(30 * 86_400))
        .unwrap();
    let verifier = ApiKeyVerifier::new(store, ApiKeyEnvironment::Live).clock(clock.clone());
    let (key, record) = issuer.issue(ApiKeyKind::Secret, "user-42", ["orders:read"]).await.unwrap();
    assert_eq!(record.created_at(), 1_700_000_000);
    clock.advance(std::time::Duration::from_secs(30 * 86_400 - 1));
    assert!(verifier.verify(&key, None).await.is_ok());
    clock.advance(std::time::Duration::from_secs(1));
    assert_eq!(verifier.verify(&key, None).await.unwrap_err(), ApiKeyError::Expired);
}
