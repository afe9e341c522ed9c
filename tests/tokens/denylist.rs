//! Access tokens revoked by `jti`: the validator refuses them until they
//! expire, and the denylist forgets them then. Memory and Redis.

use std::sync::Arc;
use std::time::Duration;

use apishield::CallerId;
use apishield::auth::jwt::JwtError;
use apishield::auth::token::{AccessTokenDenylist, DENYLIST_GRACE, Grant, MemoryDenylist, RedisDenylist};
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
