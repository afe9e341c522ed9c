//! Access tokens revoked by `jti`: the validator refuses them until they
//! expire, and the denylist forgets them then. Memory and Redis.

use std::sync::Arc;
use std::time::Duration;

use apishield::CallerId;
use apishield::auth::jwt::JwtError;
use apishield::auth::token::{
    AccessTokenDenylist, DENYLIST_GRACE, Grant, MemoryDenylist, RedisDenylist, RedisRefreshTokenStore,
    RefreshTokenStore, TokenError,
};
use apishield::time::Clock;

use crate::support::{Setup, cleanup, memory, redis_connection, setup};

async fn suite(denylist: Arc<dyn AccessTokenDenylist>) {
    let Setup { tokens, validator, .. } = setup(memory(), Some(Arc::clone(&denylist)));
    let pair = tokens.issue(&Grant::new(CallerId::home("user-42"), "web")).await.unwrap();
    let other = tokens.issue(&Grant::new(CallerId::home("user-7"), "web")).await.unwrap();
    let valid = validator.validate_async(pair.access_token.expose_secret()).await.unwrap();

    // A validator with a denylist never validates without asking it.
    assert_eq!(validator.validate(pair.access_token.expose_secret()).unwrap_err(), JwtError::RevocationUnchecked);

    tokens.revoke_access_token(&valid).await.unwrap();
    assert_eq!(validator.validate_async(pair.access_token.expose_secret()).await.unwrap_err(), JwtError::Revoked);
    // Only that token: another one of the same issuer passes.
    validator.validate_async(other.access_token.expose_secret()).await.unwrap();
    assert!(denylist.is_denied(valid.token_id().unwrap()).await.unwrap());
}

#[tokio::test]
async fn memory_denylist_refuses_revoked_tokens_until_they_expire() {
    let clock = crate::support::clock();
    let denylist = MemoryDenylist::with_clock(clock.clone());
    suite(Arc::new(denylist.clone())).await;

    // Entries live until exp + grace, then go.
    denylist.deny("jti-1", clock.now_secs() + 60).await.unwrap();
    assert!(denylist.is_denied("jti-1").await.unwrap());
    clock.advance(Duration::from_secs(60) + DENYLIST_GRACE - Duration::from_secs(1));
    assert!(denylist.is_denied("jti-1").await.unwrap(), "still within the validator's leeway");
    clock.advance(Duration::from_secs(1));
    assert!(!denylist.is_denied("jti-1").await.unwrap());
    assert!(denylist.purge_expired() >= 1);
    // Sweeps keep the list to the tokens that could still be accepted.
    for i in 0..1000 {
        denylist.deny(&format!("old-{i}"), clock.now_secs() - 1000).await.unwrap();
    }
    assert!(denylist.len() < 200, "{}", denylist.len());
}

#[tokio::test]
async fn redis_denylist_refuses_revoked_tokens_and_expires_entries() {
    let Some(mut conn) = redis_connection().await else { return };
    let prefix = apishield_tests::unique_prefix("jti");
    let denylist = RedisDenylist::new(conn.clone()).prefix(&prefix);
    suite(Arc::new(denylist.clone())).await;

    let now = crate::support::clock().now_secs();
    denylist.deny("jti-1", now + 60).await.unwrap();
    let ttl: i64 = redis::cmd("TTL").arg(format!("{prefix}jti-1")).query_async(&mut conn).await.unwrap();
    let expected = 60 + DENYLIST_GRACE.as_secs() as i64;
    assert!((expected - 5..=expected).contains(&ttl), "{ttl}");
    // An entry for a token that expired long ago is not kept.
    denylist.deny("jti-old", now - 3600).await.unwrap();
    assert!(!denylist.is_denied("jti-old").await.unwrap());
    cleanup(&mut conn, &prefix).await;
}

/// Revoking a family (reuse, another client, logout) also denies every
/// access token minted in it that has not expired: whoever won the race
/// keeps no access, however many times they rotated.
async fn family_revocation_denies_every_live_access_token(store: Arc<dyn RefreshTokenStore>) {
    let Setup { tokens, validator, .. } = setup(store, Some(Arc::new(MemoryDenylist::new())));
    let grant = Grant::new(CallerId::home("user-42"), "web");

    // Reuse: the thief refreshed first, twice; the user's replay revokes the family.
    let first = tokens.issue(&grant).await.unwrap();
    let stolen = tokens.refresh(first.refresh_token.expose_secret(), "web").await.unwrap();
    let again = tokens.refresh(stolen.refresh_token.expose_secret(), "web").await.unwrap();
    let minted = [&first, &stolen, &again].map(|pair| pair.access_token.expose_secret().clone());
    for access in &minted {
        assert_eq!(validator.validate_async(access).await.unwrap().token_id().map(str::len), Some(22));
    }
    assert_eq!(tokens.refresh(first.refresh_token.expose_secret(), "web").await.unwrap_err(), TokenError::Reused);
    for (i, access) in minted.iter().enumerate() {
        assert_eq!(validator.validate_async(access).await.unwrap_err(), JwtError::Revoked, "access token {i}");
    }

    // Another client, and an explicit revocation.
    let pair = tokens.issue(&grant).await.unwrap();
    assert_eq!(tokens.refresh(pair.refresh_token.expose_secret(), "app").await.unwrap_err(), TokenError::WrongClient);
    assert_eq!(validator.validate_async(pair.access_token.expose_secret()).await.unwrap_err(), JwtError::Revoked);
    let pair = tokens.issue(&grant).await.unwrap();
    let other = tokens.issue(&grant).await.unwrap();
    assert!(tokens.revoke_family(&pair.family).await.unwrap());
    assert_eq!(validator.validate_async(pair.access_token.expose_secret()).await.unwrap_err(), JwtError::Revoked);
    validator.validate_async(other.access_token.expose_secret()).await.unwrap();
}

#[tokio::test]
async fn family_revocation_denies_every_access_token_in_memory() {
    family_revocation_denies_every_live_access_token(memory()).await;
}

#[tokio::test]
async fn family_revocation_denies_every_access_token_in_redis() {
    let Some(mut conn) = redis_connection().await else { return };
    let prefix = apishield_tests::unique_prefix("tokens-family-access");
    family_revocation_denies_every_live_access_token(Arc::new(
        RedisRefreshTokenStore::new(conn.clone()).prefix(&prefix),
    ))
    .await;
    cleanup(&mut conn, &prefix).await;
}

/// Two server instances, each with its own validator (and its own cache of
/// verified tokens), on one Redis denylist: a token both have verified and
/// remembered is refused by both once either revokes it.
#[tokio::test]
async fn a_token_two_instances_remember_is_refused_by_both_once_revoked_through_redis() {
    use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtIssuer, JwtKey, JwtSigningKey, JwtValidator};

    use crate::support::{AUDIENCE, ISSUER};

    let Some(mut conn) = redis_connection().await else { return };
    let Some(other_conn) = redis_connection().await else { return };
    let prefix = apishield_tests::unique_prefix("jti-two");
    let clock = crate::support::clock();
    let secret = HmacSecret::generate().unwrap();
    let instance = |conn| {
        JwtValidator::builder(JwtKey::hmac(JwtAlgorithm::HS256, &secret).unwrap())
            .issuer(ISSUER)
            .audience(AUDIENCE)
            .clock(clock.clone())
            .denylist(RedisDenylist::new(conn).prefix(&prefix))
            .build()
    };
    let (first, second) = (instance(conn.clone()), instance(other_conn));
    let issuer = JwtIssuer::new(JwtSigningKey::hmac(JwtAlgorithm::HS256, &secret).unwrap(), ISSUER, AUDIENCE)
        .clock(clock.clone());
    let token = issuer.token("user-42").token_id("two-instances").sign().unwrap();
    let token = token.expose_secret();
    // Each verifies it, then serves it from its cache.
    for _ in 0..3 {
        assert_eq!(first.validate_async(token).await.unwrap().subject(), "user-42");
        assert_eq!(second.validate_async(token).await.unwrap().subject(), "user-42");
    }

    RedisDenylist::new(conn.clone()).prefix(&prefix).deny("two-instances", clock.now_secs() + 900).await.unwrap();
    assert_eq!(first.validate_async(token).await.unwrap_err(), JwtError::Revoked);
    assert_eq!(second.validate_async(token).await.unwrap_err(), JwtError::Revoked);
    cleanup(&mut conn, &prefix).await;
}
