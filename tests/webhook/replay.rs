//! Replay protection, in memory and on a real Redis (`REDIS_URL`): a
//! delivery is accepted once; a replay under a new id, a retry of the same
//! event and concurrent copies on several instances are all caught; records
//! live as long as the tolerance window needs; a store outage fails closed.

use std::sync::Arc;
use std::time::Duration;

use apishield::time::ManualClock;
use apishield::webhook::{
    MemoryReplayStore, RedisReplayStore, ReplayStore, WebhookError, WebhookHeaders, WebhookProfile, WebhookSecret,
    WebhookSigner, WebhookVerifier,
};
use apishield_tests::redis_url;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

const NOW: i64 = 1_700_000_000;
const BODY: &[u8] = br#"{"type":"order.shipped","data":{"order":"ord_1"}}"#;

fn secret() -> WebhookSecret {
    WebhookSecret::from_bytes(b"replay-tests-signing-secret-0123456789").unwrap()
}

/// A clock the test moves, and the verifier's copy of it.
fn clock(start: i64) -> (ManualClock, ManualClock) {
    let now = ManualClock::from_secs(start);
    (now.clone(), now)
}

fn signer(profile: WebhookProfile) -> WebhookSigner {
    WebhookSigner::with_profile(profile, secret())
}

/// The payload of event `id`: senders put the event in the payload, which
/// in the `X-Webhook` profile is what tells two events apart (see
/// `identical_unsigned_events_in_one_second_are_one_delivery`).
fn body(id: &str) -> Vec<u8> {
    format!(r#"{{"type":"order.shipped","event":"{id}"}}"#).into_bytes()
}

/// The scenarios every store must pass, run against `store`.
async fn replay_scenarios<S: ReplayStore + Clone>(store: S, tag: &str) {
    for profile in [WebhookProfile::XWebhook, WebhookProfile::StandardWebhooks] {
        let (now, read) = clock(NOW);
        let v = WebhookVerifier::with_profile(profile, secret()).clock(read).store(store.clone());
        let s = signer(profile);
        let id = format!("msg_{tag}_{profile:?}");
        let first_body = body(&id);

        // First delivery accepted, the identical second one refused.
        let first = s.sign_at(&id, NOW, &first_body).unwrap();
        v.verify_bytes(first.as_headers(), &first_body).await.unwrap();
        let err = v.verify_bytes(first.as_headers(), &first_body).await.unwrap_err();
        assert_eq!(err, WebhookError::Replayed, "{profile:?}");

        // The sender's retry: same event id, new timestamp and signature. A
        // duplicate while the record lives (10 minutes by default).
        now.set_secs(NOW + 200);
        let retry = s.sign_at(&id, NOW + 200, &first_body).unwrap();
        let err = v.verify_bytes(retry.as_headers(), &first_body).await.unwrap_err();
        assert_eq!(err, WebhookError::Replayed, "{profile:?}");

        // A captured delivery replayed under a fresh id.
        let fresh_id = format!("{id}_again");
        let headers = WebhookHeaders::new(Some(&fresh_id), Some(first.timestamp_header()), Some(first.signature()));
        let expected = match profile {
            // The id is not signed here: the remembered signature catches it.
            WebhookProfile::XWebhook => WebhookError::Replayed,
            // The id is signed: changing it breaks the signature.
            _ => WebhookError::BadSignature,
        };
        assert_eq!(v.verify_bytes(headers, &first_body).await.unwrap_err(), expected, "{profile:?}");

        // Another event goes through.
        let other_id = format!("{id}_other");
        let other = s.sign_at(&other_id, NOW + 200, &body(&other_id)).unwrap();
        v.verify_bytes(other.as_headers(), &body(&other_id)).await.unwrap();

        // `forget`: the processing failed, the sender's retry is processed.
        let failed_id = format!("{id}_failed");
        let failed_body = body(&failed_id);
        let failed = s.sign_at(&failed_id, NOW + 200, &failed_body).unwrap();
        let verified = v.verify_bytes(failed.as_headers(), &failed_body).await.unwrap();
        v.forget(&verified).await.unwrap();
        // Forgetting gave back the event id, not the signature: a captured
        // copy under a fresh id is still refused.
        let stolen_id = format!("{id}_stolen");
        let stolen = WebhookHeaders::new(Some(&stolen_id), Some(failed.timestamp_header()), Some(failed.signature()));
        assert_eq!(v.verify_bytes(stolen, &failed_body).await.unwrap_err(), expected, "{profile:?}");
        // The event itself, resent as it was signed, is processed again
        // (the event id was given back) ...
        let resent = v.verify_bytes(failed.as_headers(), &failed_body).await.unwrap();
        assert_eq!(resent.event_id(), failed_id);
        v.forget(&resent).await.unwrap();
        // ... and so is the sender's retry, signed again.
        now.set_secs(NOW + 260);
        let retried = s.sign_at(&failed_id, NOW + 260, &failed_body).unwrap();
        v.verify_bytes(retried.as_headers(), &failed_body).await.unwrap();
        // Once it is accepted, every copy is a duplicate again, whatever its id.
        assert_eq!(v.verify_bytes(failed.as_headers(), &failed_body).await.unwrap_err(), WebhookError::Replayed);
        assert_eq!(v.verify_bytes(stolen, &failed_body).await.unwrap_err(), expected, "{profile:?}");
        let other_stolen = format!("{id}_stolen_again");
        let retried_stolen =
            WebhookHeaders::new(Some(&other_stolen), Some(retried.timestamp_header()), Some(retried.signature()));
        assert_eq!(v.verify_bytes(retried_stolen, &failed_body).await.unwrap_err(), expected, "{profile:?}");
    }
}

#[tokio::test]
async fn identical_unsigned_events_in_one_second_are_one_delivery() {
    // In the X-Webhook profile only `{timestamp}.{payload}` is signed: two
    // events with byte-identical payloads sent in the same second carry the
    // same signature, and the receiver cannot tell the second from a replay
    // of the first under a new id. It errs on the safe side (the documented
    // trade-off of that profile); Standard Webhooks signs the id and keeps
    // them apart.
    let x = WebhookVerifier::new(secret()).clock(ManualClock::from_secs(NOW));
    let s = signer(WebhookProfile::XWebhook);
    x.verify_bytes(s.sign_at("evt_a", NOW, BODY).unwrap().as_headers(), BODY).await.unwrap();
    let err = x.verify_bytes(s.sign_at("evt_b", NOW, BODY).unwrap().as_headers(), BODY).await.unwrap_err();
    assert_eq!(err, WebhookError::Replayed);
    // One second later it is another signature.
    x.verify_bytes(s.sign_at("evt_b", NOW - 1, BODY).unwrap().as_headers(), BODY).await.unwrap();

    let std = WebhookVerifier::standard(secret()).clock(ManualClock::from_secs(NOW));
    let s = signer(WebhookProfile::StandardWebhooks);
    std.verify_bytes(s.sign_at("msg_a", NOW, BODY).unwrap().as_headers(), BODY).await.unwrap();
    std.verify_bytes(s.sign_at("msg_b", NOW, BODY).unwrap().as_headers(), BODY).await.unwrap();
}

#[tokio::test]
async fn memory_store_catches_replays_retries_and_new_ids() {
    replay_scenarios(MemoryReplayStore::new(), "mem").await;
}

#[tokio::test]
async fn memory_records_live_as_long_as_the_window_needs() {
    let store = MemoryReplayStore::new();
    let (now, read) = clock(NOW);
    let v = WebhookVerifier::standard(secret()).clock(read).store(store.clone());
    let s = signer(WebhookProfile::StandardWebhooks);

    // A delivery stamped 300 s in the future is acceptable until NOW + 600:
    // its record must outlive the default retention of 600 s from NOW.
    let ahead = s.sign_at("msg_ahead", NOW + 300, BODY).unwrap();
    v.verify_bytes(ahead.as_headers(), BODY).await.unwrap();
    now.set_secs(NOW + 600);
    assert_eq!(v.verify_bytes(ahead.as_headers(), BODY).await.unwrap_err(), WebhookError::Replayed);
    now.set_secs(NOW + 601);
    assert_eq!(v.verify_bytes(ahead.as_headers(), BODY).await.unwrap_err(), WebhookError::TimestampTooOld);

    // A retry long after the retention is a new delivery again.
    let (now, read) = clock(NOW);
    let v = WebhookVerifier::standard(secret()).clock(read).store(MemoryReplayStore::new());
    v.verify_bytes(s.sign_at("msg_late", NOW, BODY).unwrap().as_headers(), BODY).await.unwrap();
    now.set_secs(NOW + 599);
    let retry = s.sign_at("msg_late", NOW + 599, BODY).unwrap();
    assert_eq!(v.verify_bytes(retry.as_headers(), BODY).await.unwrap_err(), WebhookError::Replayed);
    now.set_secs(NOW + 601);
    let retry = s.sign_at("msg_late", NOW + 601, BODY).unwrap();
    v.verify_bytes(retry.as_headers(), BODY).await.unwrap();

    // A longer retention keeps catching it.
    let (now, read) = clock(NOW);
    let v = WebhookVerifier::standard(secret())
        .clock(read)
        .replay_retention(Duration::from_secs(86400))
        .store(MemoryReplayStore::new());
    v.verify_bytes(s.sign_at("msg_day", NOW, BODY).unwrap().as_headers(), BODY).await.unwrap();
    now.set_secs(NOW + 80000);
    let retry = s.sign_at("msg_day", NOW + 80000, BODY).unwrap();
    assert_eq!(v.verify_bytes(retry.as_headers(), BODY).await.unwrap_err(), WebhookError::Replayed);
}

#[tokio::test]
async fn a_full_memory_store_fails_closed() {
    let v = WebhookVerifier::standard(secret())
        .clock(ManualClock::from_secs(NOW))
        .store(MemoryReplayStore::with_capacity(1));
    let s = signer(WebhookProfile::StandardWebhooks);
    v.verify_bytes(s.sign_at("msg_1", NOW, BODY).unwrap().as_headers(), BODY).await.unwrap();
    let err = v.verify_bytes(s.sign_at("msg_2", NOW, BODY).unwrap().as_headers(), BODY).await.unwrap_err();
    assert_eq!(err, WebhookError::StoreUnavailable);
    // A replay is still recognised as one.
    let err = v.verify_bytes(s.sign_at("msg_1", NOW, BODY).unwrap().as_headers(), BODY).await.unwrap_err();
    assert_eq!(err, WebhookError::Replayed);
}

#[tokio::test]
async fn memory_store_accepts_one_of_many_concurrent_copies() {
    let v = Arc::new(WebhookVerifier::standard(secret()).clock(ManualClock::from_secs(NOW)));
    let signed = signer(WebhookProfile::StandardWebhooks).sign_at("msg_race", NOW, BODY).unwrap();
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (v, signed) = (Arc::clone(&v), signed.clone());
            tokio::spawn(async move { v.verify_bytes(signed.as_headers(), BODY).await.map(|_| ()) })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => accepted += 1,
            Err(e) => assert_eq!(e, WebhookError::Replayed),
        }
    }
    assert_eq!(accepted, 1);
}

/// A prefix no other run uses, so parallel runs and reruns never collide.
async fn redis() -> Option<ConnectionManager> {
    let url = redis_url()?;
    let client = redis::Client::open(url).unwrap();
    Some(client.get_connection_manager().await.unwrap())
}

#[tokio::test]
async fn redis_store_catches_replays_retries_and_new_ids() {
    let Some(conn) = redis().await else { return };
    let store = RedisReplayStore::new(conn).prefix(apishield_tests::unique_prefix("scenarios"));
    replay_scenarios(store, "redis").await;
}

#[tokio::test]
async fn redis_instances_share_their_records() {
    // Eight "server processes", each with its own verifier and connection,
    // receive the same delivery at once: exactly one accepts it.
    let Some(_) = redis().await else { return };
    let prefix = apishield_tests::unique_prefix("instances");
    let signed = signer(WebhookProfile::XWebhook).sign_at("evt_shared", NOW, BODY).unwrap();
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let conn = redis().await.unwrap();
        let v = WebhookVerifier::new(secret())
            .clock(ManualClock::from_secs(NOW))
            .store(RedisReplayStore::new(conn).prefix(prefix.clone()));
        let signed = signed.clone();
        tasks.push(tokio::spawn(async move { v.verify_bytes(signed.as_headers(), BODY).await.map(|_| ()) }));
    }
    let mut accepted = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => accepted += 1,
            Err(e) => assert_eq!(e, WebhookError::Replayed),
        }
    }
    assert_eq!(accepted, 1);
}

#[tokio::test]
async fn redis_records_expire_when_the_window_no_longer_needs_them() {
    let Some(mut conn) = redis().await else { return };
    let prefix = apishield_tests::unique_prefix("ttl");
    let store = RedisReplayStore::new(conn.clone()).prefix(prefix.clone());

    // Defaults: 600 s. A delivery 300 s ahead needs until its timestamp + 300.
    let v = WebhookVerifier::new(secret()).clock(ManualClock::from_secs(NOW)).store(store.clone());
    let s = signer(WebhookProfile::XWebhook);
    v.verify_bytes(s.sign_at("evt_now", NOW, BODY).unwrap().as_headers(), BODY).await.unwrap();
    let ttl: i64 = conn.ttl(format!("{prefix}id:evt_now")).await.unwrap();
    assert!((595..=600).contains(&ttl), "{ttl}");
    let macs: Vec<String> = conn.keys(format!("{prefix}mac:*")).await.unwrap();
    assert_eq!(macs.len(), 1, "the X-Webhook profile also records the signature");

    // A short retention is raised to what the window needs.
    let v = WebhookVerifier::new(secret())
        .clock(ManualClock::from_secs(NOW))
        .replay_retention(Duration::from_secs(1))
        .store(store.clone());
    v.verify_bytes(s.sign_at("evt_ahead", NOW + 300, BODY).unwrap().as_headers(), BODY).await.unwrap();
    let ttl: i64 = conn.ttl(format!("{prefix}id:evt_ahead")).await.unwrap();
    assert!((595..=601).contains(&ttl), "{ttl}");
    v.verify_bytes(s.sign_at("evt_old", NOW - 300, BODY).unwrap().as_headers(), BODY).await.unwrap();
    let ttl: i64 = conn.ttl(format!("{prefix}id:evt_old")).await.unwrap();
    assert!((1..=2).contains(&ttl), "{ttl}");

    // The server really forgets: wait for a 1-second record to go.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let gone: bool = conn.exists(format!("{prefix}id:evt_old")).await.unwrap();
    assert!(!gone);

    let _: () = redis::cmd("DEL")
        .arg(conn.keys::<_, Vec<String>>(format!("{prefix}*")).await.unwrap())
        .query_async(&mut conn)
        .await
        .unwrap_or(());
}

#[tokio::test]
async fn redis_forget_deletes_the_id_and_keeps_the_signature_bound_to_it() {
    let Some(mut conn) = redis().await else { return };
    let prefix = apishield_tests::unique_prefix("forget");
    let v = WebhookVerifier::new(secret())
        .clock(ManualClock::from_secs(NOW))
        .store(RedisReplayStore::new(conn.clone()).prefix(prefix.clone()));
    let s = signer(WebhookProfile::XWebhook);
    let verified = v.verify_bytes(s.sign_at("evt_given_back", NOW, BODY).unwrap().as_headers(), BODY).await.unwrap();
    v.forget(&verified).await.unwrap();

    let id_left: bool = conn.exists(format!("{prefix}id:evt_given_back")).await.unwrap();
    assert!(!id_left, "the event id is given back");
    let macs: Vec<String> = conn.keys(format!("{prefix}mac:*")).await.unwrap();
    assert_eq!(macs.len(), 1, "the signature is kept");
    let owner: String = conn.get(&macs[0]).await.unwrap();
    assert_eq!(owner, "evt_given_back", "bound to the id it was accepted under");
    let ttl: i64 = conn.ttl(&macs[0]).await.unwrap();
    assert!((595..=600).contains(&ttl), "{ttl}");

    let _: () = redis::cmd("DEL").arg(&macs).query_async(&mut conn).await.unwrap_or(());
}

#[tokio::test]
async fn an_unreachable_redis_fails_closed() {
    // No server listens on port 1; the manager connects lazily and gives up at once.
    let client = redis::Client::open("redis://127.0.0.1:1").unwrap();
    let config = ConnectionManagerConfig::new()
        .set_number_of_retries(0)
        .set_connection_timeout(Some(Duration::from_millis(200)))
        .set_response_timeout(Some(Duration::from_millis(200)));
    let conn = ConnectionManager::new_lazy_with_config(client, config).unwrap();
    let v = WebhookVerifier::standard(secret()).clock(ManualClock::from_secs(NOW)).store(RedisReplayStore::new(conn));
    let signed = signer(WebhookProfile::StandardWebhooks).sign_at("msg_down", NOW, BODY).unwrap();
    assert_eq!(v.verify_bytes(signed.as_headers(), BODY).await.unwrap_err(), WebhookError::StoreUnavailable);
}
