//! Rotation, reuse detection, expiry and family revocation: one suite, run
//! against the memory store and the Redis store.

use std::sync::Arc;
use std::time::Duration;

use apishield::CallerId;
use apishield::auth::token::{
    DEFAULT_REFRESH_LIFETIME, Grant, RedisRefreshTokenStore, RefreshToken, RefreshTokenStore, TokenError, TokenService,
};
use apishield::time::Clock;

use crate::support::{Setup, cleanup, memory, redis_connection, setup};

fn grant() -> Grant {
    Grant::new(CallerId::home("user-42"), "web").scopes(["orders:read"]).roles(["customer"])
}

/// The whole contract, on one store.
async fn suite(store: Arc<dyn RefreshTokenStore>) {
    rotation_chain(setup(Arc::clone(&store), None)).await;
    sequential_reuse_revokes_the_family(setup(Arc::clone(&store), None)).await;
    concurrent_use_lets_exactly_one_win(setup(Arc::clone(&store), None)).await;
    expiry(setup(Arc::clone(&store), None)).await;
    wrong_client_and_revocation(setup(Arc::clone(&store), None)).await;
    refusals(setup(store, None)).await;
}

async fn rotation_chain(Setup { tokens, validator, .. }: Setup) {
    let mut pair = tokens.issue(&grant()).await.unwrap();
    let family = pair.family;
    let mut seen = vec![pair.refresh_token.expose_secret().to_owned()];
    for _ in 0..10 {
        let access = validator.validate(pair.access_token.expose_secret()).unwrap();
        assert_eq!(access.subject(), "user-42");
        assert_eq!(access.claim("client_id").and_then(|c| c.as_str()), Some("web"));
        let principal = access.principal();
        assert!(principal.has_scope("orders:read") && principal.has_role("customer"));
        assert_eq!(access.expires_at() - access.issued_at(), 15 * 60);

        let next = tokens.refresh(pair.refresh_token.expose_secret(), "web").await.unwrap();
        assert_eq!(next.family, family, "a rotation stays in its family");
        assert!(!seen.contains(&next.refresh_token.expose_secret().to_owned()), "every rotation is a new token");
        assert_ne!(next.access_token.expose_secret(), pair.access_token.expose_secret());
        seen.push(next.refresh_token.expose_secret().to_owned());
        pair = next;
    }
    // The last one still works; every earlier one is spent.
    let last = tokens.refresh(pair.refresh_token.expose_secret(), "web").await.unwrap();
    assert_eq!(last.family, family);
}

async fn sequential_reuse_revokes_the_family(Setup { tokens, .. }: Setup) {
    let first = tokens.issue(&grant()).await.unwrap();
    let second = tokens.refresh(first.refresh_token.expose_secret(), "web").await.unwrap();
    // An attacker replays the first token: refused, and the family revoked.
    assert_eq!(tokens.refresh(first.refresh_token.expose_secret(), "web").await.unwrap_err(), TokenError::Reused);
    // The legitimate holder's current token fails too.
    assert_eq!(tokens.refresh(second.refresh_token.expose_secret(), "web").await.unwrap_err(), TokenError::Revoked);
    // And the replay stays refused.
    assert_eq!(tokens.refresh(first.refresh_token.expose_secret(), "web").await.unwrap_err(), TokenError::Revoked);
    // Another login is another family, untouched.
    let other = tokens.issue(&grant()).await.unwrap();
    assert_ne!(other.family, first.family);
    tokens.refresh(other.refresh_token.expose_secret(), "web").await.unwrap();
}

async fn concurrent_use_lets_exactly_one_win(Setup { tokens, .. }: Setup) {
    let pair = tokens.issue(&grant()).await.unwrap();
    let token = pair.refresh_token.expose_secret().to_owned();
    let barrier = Arc::new(tokio::sync::Barrier::new(50));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let (tokens, token, barrier) = (tokens.clone(), token.clone(), Arc::clone(&barrier));
            tokio::spawn(async move {
                barrier.wait().await;
                tokens.refresh(&token, "web").await
            })
        })
        .collect();
    let mut winners = Vec::new();
    let mut reused = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(pair) => winners.push(pair),
            Err(TokenError::Reused) => reused += 1,
            Err(TokenError::Revoked) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one of 50 concurrent refreshes wins");
    assert!(reused >= 1, "the losers saw the token rotated");
    // The family is revoked: the winner's new token is refused.
    let winner = winners.pop().unwrap();
    assert_eq!(tokens.refresh(winner.refresh_token.expose_secret(), "web").await.unwrap_err(), TokenError::Revoked);
}

async fn expiry(Setup { tokens, clock, .. }: Setup) {
    let pair = tokens.issue(&grant()).await.unwrap();
    assert_eq!(pair.refresh_expires_at, tokens.now() + DEFAULT_REFRESH_LIFETIME.as_secs() as i64);
    // One second before the 7 days are over it still rotates.
    clock.advance(DEFAULT_REFRESH_LIFETIME - Duration::from_secs(1));
    let next = tokens.refresh(pair.refresh_token.expose_secret(), "web").await.unwrap();
    // Each rotation starts a new 7 days, within the 30-day session.
    clock.advance(DEFAULT_REFRESH_LIFETIME);
    assert_eq!(tokens.refresh(next.refresh_token.expose_secret(), "web").await.unwrap_err(), TokenError::Expired);

    // The session caps the chain however often it rotates.
    let short = tokens.clone().session_lifetime(Duration::from_secs(10 * 24 * 3600)).unwrap();
    let mut pair = short.issue(&grant()).await.unwrap();
    let session_end = short.now() + 10 * 24 * 3600;
    for _ in 0..2 {
        clock.advance(Duration::from_secs(4 * 24 * 3600));
        pair = short.refresh(pair.refresh_token.expose_secret(), "web").await.unwrap();
    }
    assert_eq!(pair.refresh_expires_at, session_end, "never past the session's end");
    clock.advance(Duration::from_secs(2 * 24 * 3600));
    assert_eq!(short.refresh(pair.refresh_token.expose_secret(), "web").await.unwrap_err(), TokenError::Expired);
    assert_eq!(clock.now_secs(), short.now());
}

async fn wrong_client_and_revocation(Setup { tokens, .. }: Setup) {
    // Another client presenting the token: refused, family revoked.
    let pair = tokens.issue(&grant()).await.unwrap();
    let token = pair.refresh_token.expose_secret();
    assert_eq!(tokens.refresh(token, "mobile").await.unwrap_err(), TokenError::WrongClient);
    assert_eq!(tokens.refresh(token, "web").await.unwrap_err(), TokenError::Revoked);

    // Revoking a family by id.
    let pair = tokens.issue(&grant()).await.unwrap();
    let next = tokens.refresh(pair.refresh_token.expose_secret(), "web").await.unwrap();
    assert!(tokens.revoke_family(&pair.family).await.unwrap());
    assert_eq!(tokens.refresh(next.refresh_token.expose_secret(), "web").await.unwrap_err(), TokenError::Revoked);
    assert!(tokens.revoke_family(&pair.family).await.unwrap(), "revoking twice is fine");

    // Revoking by token (logout): another client's attempt does nothing.
    let pair = tokens.issue(&grant()).await.unwrap();
    let token = pair.refresh_token.expose_secret();
    assert!(!tokens.revoke_refresh_token(token, Some("mobile")).await.unwrap());
    let next = tokens.refresh(token, "web").await.unwrap();
    // A spent token of the family still names it: revoking it ends the session.
    assert!(tokens.revoke_refresh_token(token, Some("web")).await.unwrap());
    assert_eq!(tokens.refresh(next.refresh_token.expose_secret(), "web").await.unwrap_err(), TokenError::Revoked);
    assert!(!tokens.revoke_refresh_token(RefreshToken::generate().unwrap().expose_secret(), None).await.unwrap());
    assert!(!tokens.revoke_refresh_token("not a token", None).await.unwrap());
}

async fn refusals(Setup { tokens, .. }: Setup) {
    assert_eq!(tokens.refresh("rt_short", "web").await.unwrap_err(), TokenError::Malformed);
    let unknown = RefreshToken::generate().unwrap();
    assert_eq!(tokens.refresh(unknown.expose_secret(), "web").await.unwrap_err(), TokenError::Unknown);
    let external = Grant::new(CallerId::external("https://idp.example", "u"), "web");
    assert_eq!(tokens.issue(&external).await.unwrap_err(), TokenError::ExternalCaller);
    assert_eq!(tokens.issue(&Grant::new(CallerId::home("u"), "")).await.unwrap_err(), TokenError::InvalidGrant);
    assert!(matches!(
        tokens.clone().refresh_lifetime(Duration::from_secs(91 * 24 * 3600)),
        Err(TokenError::InvalidLifetime)
    ));
    assert!(matches!(tokens.clone().refresh_lifetime(Duration::ZERO), Err(TokenError::InvalidLifetime)));
    assert!(TokenError::Reused.is_invalid_grant() && !TokenError::StoreUnavailable.is_invalid_grant());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_keeps_the_contract() {
    suite(memory()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_store_keeps_the_contract() {
    let Some(mut conn) = redis_connection().await else { return };
    let prefix = apishield_tests::unique_prefix("tokens");
    suite(Arc::new(RedisRefreshTokenStore::new(conn.clone()).prefix(&prefix))).await;
    cleanup(&mut conn, &prefix).await;
}

#[tokio::test]
async fn redis_keeps_only_hashes_and_forgets_ended_sessions() {
    let Some(mut conn) = redis_connection().await else { return };
    let prefix = apishield_tests::unique_prefix("tokens-at-rest");
    let Setup { tokens, .. } = setup(Arc::new(RedisRefreshTokenStore::new(conn.clone()).prefix(&prefix)), None);
    let pair = tokens.issue(&grant()).await.unwrap();
    let next = tokens.refresh(pair.refresh_token.expose_secret(), "web").await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{prefix}*")).query_async(&mut conn).await.unwrap();
    assert_eq!(keys.len(), 3, "two tokens and their family: {keys:?}");
    for token in [&pair.refresh_token, &next.refresh_token] {
        let name = format!("{prefix}t:{}", token.hash().to_hex());
        assert!(keys.contains(&name));
        let fields: Vec<String> = redis::cmd("HGETALL").arg(&name).query_async(&mut conn).await.unwrap();
        assert!(!format!("{fields:?}").contains(&token.expose_secret()[3..]), "no token material at rest");
        let ttl: i64 = redis::cmd("TTL").arg(&name).query_async(&mut conn).await.unwrap();
        let session = 30 * 24 * 3600;
        assert!((session - 10..=session).contains(&ttl), "kept until the session ends: {ttl}");
    }
    cleanup(&mut conn, &prefix).await;
}

/// Two processes (connections) share one family: a rotation in one is a
/// spent token in the other.
#[tokio::test]
async fn redis_rotation_is_seen_by_every_process() {
    let (Some(a), Some(mut b)) = (redis_connection().await, redis_connection().await) else { return };
    let prefix = apishield_tests::unique_prefix("tokens-shared");
    let one = setup(Arc::new(RedisRefreshTokenStore::new(a).prefix(&prefix)), None).tokens;
    let two: TokenService =
        TokenService::new(one.issuer().clone(), RedisRefreshTokenStore::new(b.clone()).prefix(&prefix));
    let pair = one.issue(&grant()).await.unwrap();
    let next = two.refresh(pair.refresh_token.expose_secret(), "web").await.unwrap();
    assert_eq!(one.refresh(pair.refresh_token.expose_secret(), "web").await.unwrap_err(), TokenError::Reused);
    assert_eq!(two.refresh(next.refresh_token.expose_secret(), "web").await.unwrap_err(), TokenError::Revoked);
    cleanup(&mut b, &prefix).await;
}

/// A loopback proxy in front of Redis that counts the requests clients
/// write (redis-rs writes each command in one piece; a sequential client
/// waits for each answer, so a write is a round trip).
async fn counting_proxy(upstream: std::net::SocketAddr) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let writes = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&writes);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let server = tokio::net::TcpStream::connect(upstream).await.unwrap();
            let (mut client_read, mut client_write) = client.into_split();
            let (mut server_read, mut server_write) = server.into_split();
            tokio::spawn(async move { tokio::io::copy(&mut server_read, &mut client_write).await });
            let counter = Arc::clone(&counter);
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                while let Ok(n) = client_read.read(&mut buf).await {
                    if n == 0 || server_write.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    (format!("redis://{addr}"), writes)
}

#[tokio::test]
async fn a_redis_rotation_is_one_round_trip() {
    use std::sync::atomic::Ordering;
    let Some(url) = apishield_tests::redis_url() else { return };
    let info = redis::Client::open(url.as_str()).unwrap().get_connection_info().addr().to_string();
    let upstream = tokio::net::lookup_host(info.trim_start_matches("redis://")).await.ok().and_then(|mut a| a.next());
    let Some(upstream) = upstream else {
        eprintln!("skipped: REDIS_URL is not a host:port address");
        return;
    };
    let (proxied, writes) = counting_proxy(upstream).await;
    let conn = redis::Client::open(proxied).unwrap().get_connection_manager().await.unwrap();
    let prefix = apishield_tests::unique_prefix("tokens-roundtrips");
    let Setup { tokens, .. } = setup(Arc::new(RedisRefreshTokenStore::new(conn).prefix(&prefix)), None);
    // Warm up: each script is loaded once per server.
    let pair = tokens.issue(&grant()).await.unwrap();
    let pair = tokens.refresh(pair.refresh_token.expose_secret(), "web").await.unwrap();

    let before = writes.load(Ordering::SeqCst);
    let next = tokens.refresh(pair.refresh_token.expose_secret(), "web").await.unwrap();
    assert_eq!(writes.load(Ordering::SeqCst) - before, 1, "a rotation is one round trip");
    let before = writes.load(Ordering::SeqCst);
    assert_eq!(tokens.refresh(pair.refresh_token.expose_secret(), "web").await.unwrap_err(), TokenError::Reused);
    assert_eq!(writes.load(Ordering::SeqCst) - before, 1, "reuse detection and the family's revocation: one");
    assert_eq!(tokens.refresh(next.refresh_token.expose_secret(), "web").await.unwrap_err(), TokenError::Revoked);
    let Some(mut direct) = redis_connection().await else { return };
    cleanup(&mut direct, &prefix).await;
}
