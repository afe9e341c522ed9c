//! Receiving webhooks: the `X-Webhook-*` profile against the security
//! reference's scheme, every failure its own error, tampering of every byte,
//! the tolerance's edges, secret rotation, and nothing parsed before the
//! signature checks out.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use apishield::time::ManualClock;
use apishield::webhook::{
    KeyId, SignedWebhook, Verified, WebhookError, WebhookHeader, WebhookHeaders, WebhookProfile, WebhookSecret,
    WebhookSigner, WebhookVerifier,
};
use serde::Deserialize;

const NOW: i64 = 1_700_000_000;

fn secret(byte: u8) -> WebhookSecret {
    WebhookSecret::from_bytes(&[byte; 32]).unwrap()
}

fn signer(profile: WebhookProfile, secret: WebhookSecret) -> WebhookSigner {
    WebhookSigner::with_profile(profile, secret).clock(ManualClock::from_secs(NOW))
}

fn verifier(profile: WebhookProfile, secret: WebhookSecret, now: i64) -> WebhookVerifier {
    WebhookVerifier::with_profile(profile, secret).clock(ManualClock::from_secs(now))
}

const PROFILES: [WebhookProfile; 2] = [WebhookProfile::XWebhook, WebhookProfile::StandardWebhooks];

/// A sample event, 256 bytes of JSON.
fn sample_payload() -> Vec<u8> {
    let mut json = String::from(
        r#"{"type":"invoice.paid","data":{"invoice":"in_1Nv0FGQ9","amount_cents":129900,"currency":"eur","customer":"cus_9s6XKzkNRiz8i3","note":""#,
    );
    while json.len() < 253 {
        json.push('x');
    }
    json.push_str(r#""}}"#);
    json.into_bytes()
}

#[derive(Debug, Deserialize, PartialEq)]
struct InvoicePaid {
    r#type: String,
    data: serde_json::Value,
}

#[tokio::test]
async fn the_reference_scheme_is_reproduced_exactly() {
    // The reference's verify_webhook (api-security-patterns.md, section 4):
    // hmac.new(secret.encode(), f"{timestamp}.{payload.decode()}".encode(),
    // hashlib.sha256).hexdigest(), compared with "sha256=" + that. Expected
    // value computed with CPython's hmac module.
    let key = "reference-secret-for-x-webhook-profile!";
    let payload = br#"{"event":"invoice.paid","data":{"id":"in_1"}}"#;
    let expected = "sha256=a5f2a5c11fa9dc902a47580d44431a8a0d3473043cd94a61c0c480adba110a96";

    let signer = WebhookSigner::new(WebhookSecret::from_bytes(key.as_bytes()).unwrap());
    let signed = signer.sign_at("evt_1", 1_700_000_000, payload).unwrap();
    assert_eq!(signed.signature(), expected);
    assert_eq!(
        signed.headers(),
        [("x-webhook-id", "evt_1"), ("x-webhook-timestamp", "1700000000"), ("x-webhook-signature", expected)]
    );

    let verifier = WebhookVerifier::new(WebhookSecret::from_bytes(key.as_bytes()).unwrap())
        .clock(ManualClock::from_secs(1_700_000_100));
    let headers = WebhookHeaders::new(Some("evt_1"), Some("1700000000"), Some(expected));
    let verified = verifier.verify_json::<serde_json::Value>(headers, payload).await.unwrap();
    assert_eq!(verified["data"]["id"], "in_1");
    // Upper-case hex is the same signature.
    let upper = format!("sha256={}", expected[7..].to_uppercase());
    let headers = WebhookHeaders::new(Some("evt_2"), Some("1700000000"), Some(&upper));
    let err = verifier.verify_bytes(headers, payload).await.unwrap_err();
    // Same signature under a new id: a replay (the id is not signed in this profile).
    assert_eq!(err, WebhookError::Replayed);
}

#[tokio::test]
async fn each_failure_has_its_own_error() {
    let payload = sample_payload();
    let s = signer(WebhookProfile::StandardWebhooks, secret(1));
    let signed = s.sign_at("msg_1", NOW, &payload).unwrap();
    let v = verifier(WebhookProfile::StandardWebhooks, secret(1), NOW);
    let (id, ts, sig) = (Some(signed.event_id()), Some(signed.timestamp_header()), Some(signed.signature()));

    let mut errors = vec![
        v.verify_bytes(WebhookHeaders::new(None, ts, sig), &payload).await.unwrap_err(),
        v.verify_bytes(WebhookHeaders::new(id, None, sig), &payload).await.unwrap_err(),
        v.verify_bytes(WebhookHeaders::new(id, ts, None), &payload).await.unwrap_err(),
        v.verify_bytes(WebhookHeaders::new(Some("msg.1"), ts, sig), &payload).await.unwrap_err(),
        v.verify_bytes(WebhookHeaders::new(id, Some("17e8"), sig), &payload).await.unwrap_err(),
        v.verify_bytes(WebhookHeaders::new(id, ts, Some("sha256=00")), &payload).await.unwrap_err(),
        verifier(WebhookProfile::StandardWebhooks, secret(1), NOW + 301)
            .verify_bytes(signed.as_headers(), &payload)
            .await
            .unwrap_err(),
        verifier(WebhookProfile::StandardWebhooks, secret(1), NOW - 301)
            .verify_bytes(signed.as_headers(), &payload)
            .await
            .unwrap_err(),
        verifier(WebhookProfile::StandardWebhooks, secret(2), NOW)
            .verify_bytes(signed.as_headers(), &payload)
            .await
            .unwrap_err(),
    ];
    let not_json = s.sign_at("msg_2", NOW, b"{not json").unwrap();
    errors.push(v.verify_json::<InvoicePaid>(not_json.as_headers(), b"{not json").await.unwrap_err());
    v.verify_bytes(signed.as_headers(), &payload).await.unwrap();
    errors.push(v.verify_bytes(signed.as_headers(), &payload).await.unwrap_err());

    assert_eq!(
        errors[..9],
        [
            WebhookError::MissingHeader(WebhookHeader::Id),
            WebhookError::MissingHeader(WebhookHeader::Timestamp),
            WebhookError::MissingHeader(WebhookHeader::Signature),
            WebhookError::MalformedHeader(WebhookHeader::Id),
            WebhookError::MalformedHeader(WebhookHeader::Timestamp),
            WebhookError::MalformedHeader(WebhookHeader::Signature),
            WebhookError::TimestampTooOld,
            WebhookError::TimestampInFuture,
            WebhookError::BadSignature,
        ]
    );
    assert!(matches!(errors[9], WebhookError::InvalidPayload { line: 1, column: 2, .. }), "{:?}", errors[9]);
    assert_eq!(errors[10], WebhookError::Replayed);
    // Distinct variants, distinct codes (the header kinds share a code and
    // differ by the header they name).
    let distinct: HashSet<String> = errors.iter().map(|e| format!("{e:?}")).collect();
    assert_eq!(distinct.len(), errors.len());
    let codes: HashSet<&str> = errors.iter().map(WebhookError::code).collect();
    assert_eq!(codes.len(), 7, "{codes:?}");
}

#[tokio::test]
async fn tampering_with_any_byte_of_the_payload_is_detected() {
    let payload = sample_payload();
    assert_eq!(payload.len(), 256);
    for profile in PROFILES {
        let signed = signer(profile, secret(3)).sign_at("msg_tamper", NOW, &payload).unwrap();
        let v = verifier(profile, secret(3), NOW);
        let mut tampered = payload.clone();
        for i in 0..payload.len() {
            for flip in [0x01, 0x80, 0xff] {
                tampered[i] ^= flip;
                let err = v.verify_bytes(signed.as_headers(), &tampered).await.unwrap_err();
                assert_eq!(err, WebhookError::BadSignature, "{profile:?}: byte {i} ^ {flip:#04x}");
                tampered[i] ^= flip;
            }
        }
        // Cut and extended bodies too.
        for body in [&payload[..payload.len() - 1], &payload[1..], &[payload.as_slice(), b" "].concat()[..], &[][..]] {
            assert_eq!(v.verify_bytes(signed.as_headers(), body).await.unwrap_err(), WebhookError::BadSignature);
        }
        // None of that was recorded: the genuine delivery still goes through.
        v.verify_bytes(signed.as_headers(), &payload).await.unwrap();
    }
}

#[tokio::test]
async fn tampering_with_the_signed_headers_is_detected() {
    let payload = sample_payload();
    for profile in PROFILES {
        let signed = signer(profile, secret(4)).sign_at("msg_headers", NOW, &payload).unwrap();
        let v = verifier(profile, secret(4), NOW);
        // Any other timestamp in the window.
        for ts in [NOW - 1, NOW + 1, NOW - 300] {
            let ts = ts.to_string();
            let headers = WebhookHeaders::new(Some(signed.event_id()), Some(&ts), Some(signed.signature()));
            assert_eq!(v.verify_bytes(headers, &payload).await.unwrap_err(), WebhookError::BadSignature, "{profile:?}");
        }
        // Any byte of the signature.
        let sig = signed.signature().as_bytes();
        for i in 0..sig.len() {
            let mut forged = sig.to_vec();
            // '0' and '1' differ in value in hex and base64 alike (a case change
            // of a hex digit would not: the same tag, rightly accepted).
            forged[i] = if forged[i] == b'0' { b'1' } else { b'0' };
            let Ok(forged) = std::str::from_utf8(&forged) else { continue };
            let headers = WebhookHeaders::new(Some(signed.event_id()), Some(signed.timestamp_header()), Some(forged));
            assert!(v.verify_bytes(headers, &payload).await.is_err(), "{profile:?}: signature byte {i}");
        }
    }
    // In Standard Webhooks the id is signed: another id is another signature.
    let signed = signer(WebhookProfile::StandardWebhooks, secret(4)).sign_at("msg_a", NOW, &payload).unwrap();
    let headers = WebhookHeaders::new(Some("msg_b"), Some(signed.timestamp_header()), Some(signed.signature()));
    let v = verifier(WebhookProfile::StandardWebhooks, secret(4), NOW);
    assert_eq!(v.verify_bytes(headers, &payload).await.unwrap_err(), WebhookError::BadSignature);
}

#[tokio::test]
async fn the_tolerance_edges_are_exact() {
    let payload = sample_payload();
    for profile in PROFILES {
        let s = signer(profile, secret(5));
        let check = |offset: i64| {
            let s = &s;
            let payload = &payload;
            async move {
                // A fresh event per check, signed `offset` seconds from the verifier's now.
                let signed = s.sign_at(&format!("msg_{offset}"), NOW + offset, payload).unwrap();
                verifier(profile, secret(5), NOW).verify_bytes(signed.as_headers(), payload).await.map(|_| ())
            }
        };
        assert_eq!(check(0).await, Ok(()));
        assert_eq!(check(-299).await, Ok(()), "one second inside, past");
        assert_eq!(check(299).await, Ok(()), "one second inside, future");
        assert_eq!(check(-300).await, Ok(()), "exactly 300 s is accepted (documented choice)");
        assert_eq!(check(300).await, Ok(()));
        assert_eq!(check(-301).await, Err(WebhookError::TimestampTooOld), "one second past");
        assert_eq!(check(301).await, Err(WebhookError::TimestampInFuture));
        assert_eq!(check(10 * 365 * 86400).await, Err(WebhookError::TimestampInFuture), "far future");
        assert_eq!(check(-NOW).await, Err(WebhookError::TimestampTooOld), "the epoch");
    }
    // The largest timestamp a header may carry is far in the future, not an overflow.
    let zeros = format!("sha256={}", "00".repeat(32));
    let headers = WebhookHeaders::new(Some("msg_x"), Some("999999999999999"), Some(&zeros));
    let err = verifier(WebhookProfile::XWebhook, secret(5), NOW).verify_bytes(headers, b"").await.unwrap_err();
    assert_eq!(err, WebhookError::TimestampInFuture);
    let err = verifier(WebhookProfile::XWebhook, secret(5), i64::MAX).verify_bytes(headers, b"").await.unwrap_err();
    assert_eq!(err, WebhookError::TimestampTooOld);
}

#[tokio::test]
async fn a_configured_tolerance_and_a_moving_clock() {
    let now = ManualClock::from_secs(NOW);
    let v = WebhookVerifier::standard(secret(6)).tolerance(Duration::from_secs(30)).clock(now.clone());
    assert_eq!(v.tolerance_secs(), 30);
    let s = signer(WebhookProfile::StandardWebhooks, secret(6));
    let first = s.sign_at("msg_a", NOW, b"{}").unwrap();
    let second = s.sign_at("msg_b", NOW, b"{}").unwrap();
    now.set_secs(NOW + 30);
    v.verify_bytes(first.as_headers(), b"{}").await.unwrap();
    now.set_secs(NOW + 31);
    assert_eq!(v.verify_bytes(second.as_headers(), b"{}").await.unwrap_err(), WebhookError::TimestampTooOld);
}

#[tokio::test]
async fn rotation_on_the_receiving_side() {
    let payload = sample_payload();
    for profile in PROFILES {
        let (old, new) = (secret(7), secret(8));
        let (old_id, new_id) = (old.key_id(), new.key_id());
        let mut v = verifier(profile, old.clone(), NOW).secret(new.clone());
        assert_eq!(v.key_ids(), [old_id, new_id]);
        let by_old = signer(profile, old).sign_at("msg_old_1", NOW, &payload).unwrap();
        let by_new = signer(profile, new).sign_at("msg_new_1", NOW, &payload).unwrap();
        // Both accepted while both are configured, each reported by its fingerprint.
        assert_eq!(v.verify_bytes(by_old.as_headers(), &payload).await.unwrap().key_id(), old_id);
        assert_eq!(v.verify_bytes(by_new.as_headers(), &payload).await.unwrap().key_id(), new_id);
        // Old secret removed: refused.
        assert!(v.remove_secret(old_id));
        assert!(!v.remove_secret(old_id));
        // (A second later: in the X-Webhook profile the same payload in the
        // same second is the same signature, hence a replay.)
        let by_old = signer(profile, secret(7)).sign_at("msg_old_2", NOW - 1, &payload).unwrap();
        let by_new = signer(profile, secret(8)).sign_at("msg_new_2", NOW - 1, &payload).unwrap();
        assert_eq!(v.verify_bytes(by_old.as_headers(), &payload).await.unwrap_err(), WebhookError::BadSignature);
        assert_eq!(v.verify_bytes(by_new.as_headers(), &payload).await.unwrap().key_id(), new_id);
        // Adding a secret twice keeps one copy.
        v.add_secret(secret(8));
        assert_eq!(v.key_ids(), [new_id]);
    }
}

#[tokio::test]
async fn rotation_on_the_sending_side() {
    let payload = b"{\"rotating\":true}";
    let (old, new) = (secret(9), secret(10));
    let old_only = || verifier(WebhookProfile::StandardWebhooks, secret(9), NOW);
    let new_only = || verifier(WebhookProfile::StandardWebhooks, secret(10), NOW);

    let mut s = signer(WebhookProfile::StandardWebhooks, old);
    s.rotate(new.clone());
    assert_eq!(s.key_id(), new.key_id());
    let signed = s.sign_at("msg_rot", NOW, payload).unwrap();
    // Both signatures travel: receivers on either secret accept.
    assert_eq!(signed.signature().split(' ').count(), 2);
    assert_eq!(old_only().verify_bytes(signed.as_headers(), payload).await.unwrap().key_id(), secret(9).key_id());
    assert_eq!(new_only().verify_bytes(signed.as_headers(), payload).await.unwrap().key_id(), new.key_id());

    s.finish_rotation();
    let signed = s.sign_at("msg_rot_done", NOW, payload).unwrap();
    assert_eq!(signed.signature().split(' ').count(), 1);
    assert_eq!(old_only().verify_bytes(signed.as_headers(), payload).await.unwrap_err(), WebhookError::BadSignature);
    new_only().verify_bytes(signed.as_headers(), payload).await.unwrap();

    // X-Webhook has room for one signature: the new one, from the rotation on.
    let mut s = signer(WebhookProfile::XWebhook, secret(9));
    s.rotate(secret(10));
    let signed = s.sign_at("evt_rot", NOW, payload).unwrap();
    let old_only = verifier(WebhookProfile::XWebhook, secret(9), NOW);
    assert_eq!(old_only.verify_bytes(signed.as_headers(), payload).await.unwrap_err(), WebhookError::BadSignature);
    let both = verifier(WebhookProfile::XWebhook, secret(9), NOW).secret(secret(10));
    both.verify_bytes(signed.as_headers(), payload).await.unwrap();
}

static PARSED: AtomicUsize = AtomicUsize::new(0);

/// A payload type that counts how often something tries to parse it.
#[derive(Debug)]
struct Counted;

impl<'de> Deserialize<'de> for Counted {
    fn deserialize<D: serde::Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        PARSED.fetch_add(1, Ordering::SeqCst);
        serde::de::IgnoredAny::deserialize(de).map(|_| Counted)
    }
}

#[tokio::test]
async fn nothing_is_parsed_before_the_signature_checks_out() {
    let payload = sample_payload();
    let signed = signer(WebhookProfile::StandardWebhooks, secret(11)).sign_at("msg_p", NOW, &payload).unwrap();
    let v = verifier(WebhookProfile::StandardWebhooks, secret(11), NOW);
    let wrong_key = verifier(WebhookProfile::StandardWebhooks, secret(12), NOW);
    let stale = verifier(WebhookProfile::StandardWebhooks, secret(11), NOW + 3600);

    let mut tampered = payload.clone();
    tampered[10] ^= 1;
    assert_eq!(v.verify_json::<Counted>(signed.as_headers(), &tampered).await.unwrap_err(), WebhookError::BadSignature);
    assert_eq!(
        wrong_key.verify_json::<Counted>(signed.as_headers(), &payload).await.unwrap_err(),
        WebhookError::BadSignature
    );
    assert_eq!(
        stale.verify_json::<Counted>(signed.as_headers(), &payload).await.unwrap_err(),
        WebhookError::TimestampTooOld
    );
    let no_sig = WebhookHeaders::new(Some("msg_p"), Some(signed.timestamp_header()), None);
    assert!(v.verify_json::<Counted>(no_sig, &payload).await.is_err());
    assert_eq!(PARSED.load(Ordering::SeqCst), 0, "a payload was parsed before its signature was checked");

    v.verify_json::<Counted>(signed.as_headers(), &payload).await.unwrap();
    assert_eq!(PARSED.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn an_unparseable_payload_is_not_recorded() {
    let body = br#"{"type":"invoice.paid"}"#; // no `data`
    let signed = signer(WebhookProfile::StandardWebhooks, secret(13)).sign_at("msg_bad", NOW, body).unwrap();
    let v = verifier(WebhookProfile::StandardWebhooks, secret(13), NOW);
    let err = v.verify_json::<InvoicePaid>(signed.as_headers(), body).await.unwrap_err();
    assert!(matches!(err, WebhookError::InvalidPayload { category: serde_json::error::Category::Data, .. }), "{err:?}");
    // Not recorded: the same delivery read as bytes is still its first sighting.
    let verified: Verified<&[u8]> = v.verify_bytes(signed.as_headers(), body).await.unwrap();
    assert_eq!(*verified, body);
}

#[tokio::test]
async fn verified_carries_what_was_checked() {
    let body = br#"{"type":"invoice.paid","data":{"id":1}}"#;
    let key = secret(14);
    let key_id: KeyId = key.key_id();
    let signed: SignedWebhook = signer(WebhookProfile::XWebhook, key.clone()).sign_at("evt_42", NOW - 5, body).unwrap();
    let verified = verifier(WebhookProfile::XWebhook, key, NOW)
        .verify_json::<InvoicePaid>(signed.as_headers(), body)
        .await
        .unwrap();
    assert_eq!(verified.event_id(), "evt_42");
    assert_eq!(verified.timestamp(), NOW - 5);
    assert_eq!(verified.key_id(), key_id);
    assert_eq!(verified.r#type, "invoice.paid");
    let debug = format!("{verified:?}");
    assert!(debug.contains("evt_42") && debug.contains(&key_id.to_string()), "{debug}");
    assert_eq!(verified.into_inner().data["id"], 1);
}

#[tokio::test]
async fn no_secret_or_signature_ever_reaches_a_message() {
    let raw = b"do-not-print-this-secret-0123456789abcdef";
    let key = WebhookSecret::from_bytes(raw).unwrap();
    let whsec = key.to_standard();
    let s = signer(WebhookProfile::StandardWebhooks, key.clone());
    let v = verifier(WebhookProfile::StandardWebhooks, key.clone(), NOW);
    let signed = s.sign_at("msg_quiet", NOW, b"{}").unwrap();
    let tag = signed.signature()[3..].to_owned();

    let mut text = format!("{key:?} {s:?} {v:?} {:?}", signed.as_headers());
    let errors = [
        v.verify_bytes(signed.as_headers(), b"{ }").await.unwrap_err(),
        v.verify_bytes(WebhookHeaders::new(Some("msg_quiet"), Some("1"), Some(signed.signature())), b"{}")
            .await
            .unwrap_err(),
        v.verify_bytes(
            WebhookHeaders::new(Some("msg_quiet"), Some(signed.timestamp_header()), Some("v1,garbage")),
            b"{}",
        )
        .await
        .unwrap_err(),
    ];
    for e in errors {
        text.push_str(&format!(" {e} {e:?}"));
    }
    for needle in ["do-not-print", &whsec[6..], tag.as_str()] {
        assert!(!text.contains(needle), "{needle:?} leaked into {text}");
    }
}

#[tokio::test]
async fn a_verifier_without_secrets_refuses_everything() {
    let key = secret(15);
    let id = key.key_id();
    let mut v = verifier(WebhookProfile::XWebhook, key.clone(), NOW);
    assert!(v.remove_secret(id));
    let signed = signer(WebhookProfile::XWebhook, key).sign_at("evt_none", NOW, b"{}").unwrap();
    assert_eq!(v.verify_bytes(signed.as_headers(), b"{}").await.unwrap_err(), WebhookError::BadSignature);
}

#[tokio::test]
async fn the_verify_future_is_send_for_web_frameworks() {
    fn assert_send<T: Send>(t: T) -> T {
        t
    }
    let key = secret(16);
    let v = Arc::new(verifier(WebhookProfile::StandardWebhooks, key.clone(), NOW));
    let signed = signer(WebhookProfile::StandardWebhooks, key).sign_at("msg_send", NOW, b"{}").unwrap();
    let task = {
        let v = Arc::clone(&v);
        tokio::spawn(async move {
            assert_send(v.verify_json::<serde_json::Value>(signed.as_headers(), b"{}")).await.map(|_| ())
        })
    };
    assert_eq!(task.await.unwrap(), Ok(()));
}
