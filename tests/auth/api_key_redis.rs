//! The Redis API-key store against a real Redis (`REDIS_URL`): the same
//! contract as the memory store, shared between two "processes" (two
//! connections), expiry handed to Redis, and atomic rotation.

use crate::support as auth_support;

use apishield::auth::api_key::{
    ApiKeyEnvironment, ApiKeyError, ApiKeyIssuer, ApiKeyKind, ApiKeyStore, ApiKeyVerifier, RedisApiKeyStore,
};
use auth_support::api_keys::{concurrent_rotations, now, store_contract};
use redis::aio::ConnectionManager;

/// How long Redis keeps a record after its key expired (the store's documented 7 days).
const EXPIRED_RETENTION_SECS: i64 = 7 * 24 * 60 * 60;

async fn connection() -> Option<ConnectionManager> {
    let url = apishield_tests::redis_url()?;
    let client = redis::Client::open(url).unwrap();
    Some(client.get_connection_manager().await.unwrap())
}

/// A prefix no other test (or run) uses.
async fn cleanup(conn: &mut ConnectionManager, prefix: &str) {
    let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{prefix}*")).query_async(conn).await.unwrap();
    if !keys.is_empty() {
        redis::cmd("DEL").arg(&keys).query_async::<()>(conn).await.unwrap();
    }
}

#[tokio::test]
async fn redis_store_keeps_the_contract() {
    let Some(mut conn) = connection().await else { return };
    let prefix = apishield_tests::unique_prefix("contract");
    store_contract(RedisApiKeyStore::new(conn.clone()).prefix(&prefix)).await;
    cleanup(&mut conn, &prefix).await;
}

#[tokio::test]
async fn records_are_shared_hashed_and_expire_in_redis() {
    let Some(mut conn) = connection().await else { return };
    let Some(other) = connection().await else { return };
    let prefix = apishield_tests::unique_prefix("shared");
    let issuing = ApiKeyIssuer::new(RedisApiKeyStore::new(conn.clone()).prefix(&prefix), ApiKeyEnvironment::Live);
    let serving = ApiKeyVerifier::new(RedisApiKeyStore::new(other).prefix(&prefix), ApiKeyEnvironment::Live);

    let (key, record) = issuing.issue(ApiKeyKind::Secret, "user-42", ["orders:read"]).await.unwrap();
    // Another process (connection) verifies it, and sees its revocation.
    assert_eq!(serving.verify(&key, Some("orders:read")).await.unwrap(), record);

    // What Redis holds: the hash as the key name, no key material anywhere.
    let name = format!("{prefix}{}", key.hash().to_hex());
    let fields: std::collections::HashMap<String, String> =
        redis::cmd("HGETALL").arg(&name).query_async(&mut conn).await.unwrap();
    assert_eq!(fields["owner"], "user-42");
    assert_eq!(fields["display_prefix"], key.display_prefix());
    let dump = format!("{fields:?}");
    assert!(!dump.contains(&key.expose_secret()[12..]));
    let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{prefix}*")).query_async(&mut conn).await.unwrap();
    assert_eq!(keys, std::slice::from_ref(&name));

    // Redis forgets the record a week after the key expires.
    let ttl: i64 = redis::cmd("TTL").arg(&name).query_async(&mut conn).await.unwrap();
    let expected = record.expires_at() + EXPIRED_RETENTION_SECS - now();
    assert!((expected - 5..=expected).contains(&ttl), "ttl {ttl}, expected about {expected}");

    issuing.revoke(record.hash()).await.unwrap();
    assert_eq!(serving.verify(&key, None).await.unwrap_err(), ApiKeyError::Revoked);
    cleanup(&mut conn, &prefix).await;
}

#[tokio::test]
async fn corrupted_records_are_a_store_failure_not_a_key() {
    let Some(mut conn) = connection().await else { return };
    let prefix = apishield_tests::unique_prefix("corrupt");
    let store = RedisApiKeyStore::new(conn.clone()).prefix(&prefix);
    let issuer = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live);
    let (key, _) = issuer.issue(ApiKeyKind::Secret, "u", ["a"]).await.unwrap();
    let name = format!("{prefix}{}", key.hash().to_hex());
    redis::cmd("HSET").arg(&name).arg("expires_at").arg("soon").query_async::<()>(&mut conn).await.unwrap();
    assert!(store.get(&key.hash()).await.is_err());
    let verifier = ApiKeyVerifier::new(store, ApiKeyEnvironment::Live);
    assert_eq!(verifier.verify(&key, None).await.unwrap_err(), ApiKeyError::StoreUnavailable);
    cleanup(&mut conn, &prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_rotations_of_one_key_make_exactly_one_successor() {
    // The script runs alone on the server: one check-and-mark per rotation.
    let Some(mut conn) = connection().await else { return };
    let prefix = apishield_tests::unique_prefix("rotate");
    concurrent_rotations(RedisApiKeyStore::new(conn.clone()).prefix(&prefix), 32).await;
    let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{prefix}*")).query_async(&mut conn).await.unwrap();
    assert_eq!(keys.len(), 2, "the old record and one successor: {keys:?}");
    cleanup(&mut conn, &prefix).await;
}

#[tokio::test]
async fn the_rotation_mark_is_stored_in_redis() {
    let Some(mut conn) = connection().await else { return };
    let prefix = apishield_tests::unique_prefix("rotated-at");
    let issuer = ApiKeyIssuer::new(RedisApiKeyStore::new(conn.clone()).prefix(&prefix), ApiKeyEnvironment::Live);
    let (old, record) = issuer.issue(ApiKeyKind::Secret, "svc", ["x"]).await.unwrap();
    let (_, successor) = issuer.rotate(record.hash(), std::time::Duration::from_secs(60)).await.unwrap();
    let name = format!("{prefix}{}", old.hash().to_hex());
    let rotated_at: String = redis::cmd("HGET").arg(&name).arg("rotated_at").query_async(&mut conn).await.unwrap();
    assert_eq!(rotated_at, successor.created_at().to_string());
    // Another process (a fresh issuer on another connection) is refused too.
    let Some(other) = connection().await else { return };
    let elsewhere = ApiKeyIssuer::new(RedisApiKeyStore::new(other).prefix(&prefix), ApiKeyEnvironment::Live);
    let again = elsewhere.rotate(record.hash(), std::time::Duration::from_secs(60)).await.unwrap_err();
    assert_eq!(again, ApiKeyError::AlreadyRotated);
    cleanup(&mut conn, &prefix).await;
}
