//! Sending webhooks: event ids, retries signed again, what the signer
//! refuses to sign, and the retry schedule.

use std::collections::HashSet;
use std::time::Duration;

use apishield::time::ManualClock;
use apishield::webhook::{
    RetrySchedule, SignError, WebhookProfile, WebhookSecret, WebhookSigner, WebhookVerifier, new_event_id,
};

fn secret() -> WebhookSecret {
    WebhookSecret::from_bytes(&[42; 32]).unwrap()
}

#[test]
fn event_ids_are_unique_and_acceptable_to_verifiers() {
    let ids: HashSet<String> = (0..10_000).map(|_| new_event_id().unwrap()).collect();
    assert_eq!(ids.len(), 10_000);
    for id in ids.iter().take(100) {
        assert!(id.starts_with("msg_") && id.len() == 26, "{id}");
        assert!(apishield::webhook::header::is_valid_event_id(id), "{id}");
    }
    let signer = WebhookSigner::new(secret());
    let a = signer.sign(b"{}").unwrap();
    let b = signer.sign(b"{}").unwrap();
    assert_ne!(a.event_id(), b.event_id());
}

#[tokio::test]
async fn a_retry_keeps_the_event_id_and_gets_a_new_timestamp_and_signature() {
    let now = ManualClock::from_secs(1_700_000_000);
    let signer = WebhookSigner::standard(secret()).clock(now.clone());
    let first = signer.sign(b"{\"n\":1}").unwrap();
    now.advance(std::time::Duration::from_secs(5));
    let retry = signer.sign_event(first.event_id(), b"{\"n\":1}").unwrap();
    assert_eq!(retry.event_id(), first.event_id());
    assert_eq!(retry.timestamp(), first.timestamp() + 5);
    assert_ne!(retry.signature(), first.signature());
    // The receiver processed the first attempt; the retry is a duplicate.
    let verifier = WebhookVerifier::standard(secret()).clock(ManualClock::from_secs(1_700_000_005));
    verifier.verify_bytes(first.as_headers(), b"{\"n\":1}").await.unwrap();
    assert!(verifier.verify_bytes(retry.as_headers(), b"{\"n\":1}").await.unwrap_err().is_duplicate());
}

#[test]
fn the_signer_refuses_what_verifiers_would_refuse() {
    let signer = WebhookSigner::standard(secret());
    for id in ["", "msg.1", "msg 1", "msg\n1", &"a".repeat(257)] {
        assert_eq!(signer.sign_at(id, 1, b"{}").unwrap_err(), SignError::InvalidEventId, "{id:?}");
    }
    assert_eq!(signer.sign_at("msg_1", -1, b"{}").unwrap_err(), SignError::InvalidTimestamp);
    assert_eq!(signer.sign_at("msg_1", 1_000_000_000_000_000, b"{}").unwrap_err(), SignError::InvalidTimestamp);
    assert!(signer.sign_at("msg_1", 0, b"{}").is_ok());
}

#[test]
fn header_names_follow_the_profile() {
    let x = WebhookSigner::new(secret()).sign_at("evt_1", 1, b"").unwrap();
    let names: Vec<&str> = x.headers().iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["x-webhook-id", "x-webhook-timestamp", "x-webhook-signature"]);
    assert!(x.signature().starts_with("sha256=") && x.signature().len() == 7 + 64);
    let s = WebhookSigner::standard(secret()).sign_at("evt_1", 1, b"").unwrap();
    let names: Vec<&str> = s.headers().iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["webhook-id", "webhook-timestamp", "webhook-signature"]);
    assert!(s.signature().starts_with("v1,") && s.signature().len() == 3 + 44);
    assert_eq!(WebhookSigner::standard(secret()).profile(), WebhookProfile::StandardWebhooks);
}

#[test]
fn the_retry_schedule_backs_off_exponentially_with_full_jitter() {
    let schedule = RetrySchedule::default();
    assert_eq!(schedule.max_attempts(), 18);
    assert_eq!(schedule.base(), Duration::from_secs(5));
    assert_eq!(schedule.max_delay(), Duration::from_secs(12 * 3600));
    // Ceilings double until the cap, then stay; no retry after the last attempt.
    let ceilings: Vec<Duration> = schedule.ceilings().collect();
    assert_eq!(ceilings.len(), 17);
    for pair in ceilings.windows(2) {
        assert!(pair[1] == pair[0] * 2 || pair[1] == schedule.max_delay(), "{pair:?}");
    }
    assert_eq!(schedule.next_delay(18), None);
    assert_eq!(schedule.next_delay(0), None);

    // Full jitter: uniform over [0, ceiling]; 4000 draws land in every quarter.
    let ceiling = schedule.ceiling(10).unwrap();
    let mut quarters = [0u32; 4];
    for _ in 0..4000 {
        let d = schedule.next_delay(10).unwrap();
        assert!(d <= ceiling);
        let q = (d.as_secs_f64() / ceiling.as_secs_f64() * 4.0).min(3.0) as usize;
        quarters[q] += 1;
    }
    assert!(quarters.iter().all(|&n| n > 800), "{quarters:?}");

    // A custom schedule.
    let quick = RetrySchedule::new(Duration::from_millis(100), Duration::from_secs(1), 4);
    let ceilings: Vec<Duration> = quick.ceilings().collect();
    assert_eq!(ceilings, [Duration::from_millis(100), Duration::from_millis(200), Duration::from_millis(400)]);
}
