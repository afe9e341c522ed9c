//! Standard Webhooks compatibility, checked against the examples of the
//! specification's own library test suites (github.com/standard-webhooks/
//! standard-webhooks, `libraries/`): their secrets, ids, timestamps,
//! payloads and expected signatures are transcribed below as data, each with
//! the file it comes from. Our signer must produce their signatures, our
//! verifier must accept their deliveries (decoys and `v2` entries included)
//! and refuse what they refuse.

use std::time::Duration;

use apishield::time::ManualClock;
use apishield::webhook::header::SignatureList;
use apishield::webhook::{
    WebhookError, WebhookHeader, WebhookHeaders, WebhookProfile, WebhookSecret, WebhookSigner, WebhookVerifier,
};

/// A published example: the signature its library's test expects.
struct Vector {
    source: &'static str,
    secret: &'static str,
    id: &'static str,
    timestamp: i64,
    payload: &'static str,
    signature: &'static str,
}

/// Signatures the libraries' own tests assert, byte for byte.
const PUBLISHED: [Vector; 2] = [
    // "sign function works": libraries/javascript/src/webhook.test.ts,
    // python/tests/test_webhooks.py (test_sign_function), go/webhook_test.go
    // (TestWebhookSign), ruby/spec/webhook_spec.rb, php/tests/WebhookTest.php
    // (testSignFunctionWorks), java/src/test/java/com/standardwebhooks/WebhookTest.java
    // (verifyWebhookSignWorks), csharp/StandardWebhooks.Tests/WebhookTest.cs.
    Vector {
        source: "javascript/python/go/ruby/php/java/csharp sign tests",
        secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp: 1614265330,
        payload: r#"{"test": 2432232314}"#,
        signature: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    },
    // libraries/rust/src/lib.rs, `test_sign`.
    Vector {
        source: "rust test_sign",
        secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        id: "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
        timestamp: 1649367553,
        payload: r#"{"email":"test@example.com","username":"test_user"}"#,
        signature: "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=",
    },
];

/// The other payloads and secrets of the suites, whose tests sign at "now"
/// and so publish no fixed signature: signed here at a fixed timestamp, the
/// expected values computed independently with CPython's `hmac` and
/// `base64` modules (the algorithm of libraries/python/standardwebhooks/webhooks.py).
const CROSS_CHECKED: [Vector; 4] = [
    // libraries/php/tests/TestPayload.php: DEFAULT_PAYLOAD differs by one digit.
    Vector {
        source: "php TestPayload",
        secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp: 1614265330,
        payload: r#"{"test": 2432232315}"#,
        signature: "v1,TW/pFPJ2/LwRQdgfM7WklE9yJiRyMs0cTpVPK8leNAU=",
    },
    // libraries/go/example_webhook_test.go: id "1234567890" and its payload.
    Vector {
        source: "go Example_signatureFlow",
        secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        id: "1234567890",
        timestamp: 1695928822,
        payload: r#"{"type": "example.created", "timestamp":"2023-09-28T19:20:22+00:00", "data":{"str":"string","bool":true,"int":42}}"#,
        signature: "v1,AhdWfsNq84h2N8Q8lHbWAMyc+HURqfLOGvU/6jAIzDM=",
    },
    // spec/standard-webhooks.md, "Signature scheme": the example id,
    // timestamp and minified payload (the spec gives no secret; the Rust
    // library's is used).
    Vector {
        source: "spec signature scheme example",
        secret: "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        id: "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W",
        timestamp: 1674087231,
        payload: r#"{"type":"contact.created","timestamp":"2022-11-03T20:26:10.344522Z","data":{"id":"1f81eb52-5198-4599-803e-771906343485"}}"#,
        signature: "v1,Inw/unYkpAh6Njpdz4O+hnN82xYMXQ6NjnZIQN/mzIQ=",
    },
    // libraries/elixir/test/standard_webhooks_test.exs: @encoded_secret is
    // "whsec_" <> Base.encode64(@secret), i.e. the ASCII text as the key.
    Vector {
        source: "elixir encoded secret",
        secret: "whsec_TWZLUTlyOEdLWXFyVHdqVVBEOElMUFpJbzJMYUxhU3c=",
        id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
        timestamp: 1614265330,
        payload: r#"{"event_type":"ping"}"#,
        signature: "v1,coK5NsjRzGVv+PTwHZ8gb387cO5lp4KL3dvTxTo5QF8=",
    },
];

/// Decoys the JavaScript, Python, Go, Ruby, PHP, Java and C# suites put around
/// the valid signature ("multi sig payload is valid"), `v2` entry included.
const DECOYS_SUITES: [&str; 3] = [
    "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
    "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
    "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
];

/// The Rust library's decoys (`test_verify_with_multiple_signatures`).
const DECOYS_RUST: [&str; 3] = [
    "v1,tFtCZ5RDCPxzWQRWXWPgrCgE2frDBe9gjpbWQxnVfsQ=",
    "v1,Mm7xgUVICxZfQ3bgf0h0Dof65L/IFx+PnZvnDWPCX6Q=",
    "v1,9DfC1c3eeOrXB6w/5dIDydLNQaEyww5KalE5jLBZucE=",
];

fn verifier_at(secret: &str, now: i64) -> WebhookVerifier {
    WebhookVerifier::standard(WebhookSecret::from_standard(secret).unwrap()).clock(ManualClock::from_secs(now))
}

fn all_vectors() -> impl Iterator<Item = &'static Vector> {
    PUBLISHED.iter().chain(CROSS_CHECKED.iter())
}

#[test]
fn our_signatures_are_the_libraries_signatures() {
    for v in all_vectors() {
        let signer = WebhookSigner::standard(WebhookSecret::from_standard(v.secret).unwrap());
        let signed = signer.sign_at(v.id, v.timestamp, v.payload.as_bytes()).unwrap();
        assert_eq!(signed.signature(), v.signature, "{}", v.source);
        let ts = v.timestamp.to_string();
        assert_eq!(
            signed.headers(),
            [("webhook-id", v.id), ("webhook-timestamp", ts.as_str()), ("webhook-signature", v.signature)],
            "{}",
            v.source
        );
    }
}

#[tokio::test]
async fn their_deliveries_verify_and_parse() {
    for v in all_vectors() {
        let ts = v.timestamp.to_string();
        let headers = WebhookHeaders::new(Some(v.id), Some(&ts), Some(v.signature));
        let verified = verifier_at(v.secret, v.timestamp)
            .verify_json::<serde_json::Value>(headers, v.payload.as_bytes())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", v.source));
        assert_eq!(verified.event_id(), v.id);
        assert_eq!(verified.timestamp(), v.timestamp);
        assert_eq!(*verified, serde_json::from_str::<serde_json::Value>(v.payload).unwrap(), "{}", v.source);
    }
}

#[tokio::test]
async fn secrets_work_with_and_without_the_whsec_prefix() {
    // "verification works with and without signature prefix" (all suites).
    let v = &PUBLISHED[0];
    let ts = v.timestamp.to_string();
    for secret in ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"] {
        let headers = WebhookHeaders::new(Some(v.id), Some(&ts), Some(v.signature));
        verifier_at(secret, v.timestamp).verify_bytes(headers, v.payload.as_bytes()).await.unwrap();
    }
}

#[tokio::test]
async fn the_valid_entry_among_decoys_is_found_wherever_it_sits() {
    for (v, decoys) in [(&PUBLISHED[0], DECOYS_SUITES), (&PUBLISHED[1], DECOYS_RUST)] {
        let ts = v.timestamp.to_string();
        for position in 0..=decoys.len() {
            let mut entries = decoys.to_vec();
            entries.insert(position, v.signature);
            let header = entries.join(" ");
            let headers = WebhookHeaders::new(Some(v.id), Some(&ts), Some(&header));
            verifier_at(v.secret, v.timestamp)
                .verify_bytes(headers, v.payload.as_bytes())
                .await
                .unwrap_or_else(|e| panic!("{} at {position}: {e}", v.source));
        }
        // The decoys alone: "test_no_verify_with_multiple_signatures".
        let header = decoys.join(" ");
        let headers = WebhookHeaders::new(Some(v.id), Some(&ts), Some(&header));
        let err = verifier_at(v.secret, v.timestamp).verify_bytes(headers, v.payload.as_bytes()).await.unwrap_err();
        assert_eq!(err, WebhookError::BadSignature, "{}", v.source);
    }
}

#[tokio::test]
async fn a_v2_entry_is_skipped_even_when_its_tag_is_right() {
    let v = &PUBLISHED[0];
    let ts = v.timestamp.to_string();
    let v2 = v.signature.replacen("v1,", "v2,", 1);
    // Alone, there is nothing this verifier checks.
    let headers = WebhookHeaders::new(Some(v.id), Some(&ts), Some(&v2));
    let err = verifier_at(v.secret, v.timestamp).verify_bytes(headers, v.payload.as_bytes()).await.unwrap_err();
    assert_eq!(err, WebhookError::MalformedHeader(WebhookHeader::Signature));
    // Next to a v1 decoy, the right tag under `v2,` still does not count.
    let header = format!("{v2} {}", DECOYS_SUITES[0]);
    let headers = WebhookHeaders::new(Some(v.id), Some(&ts), Some(&header));
    let err = verifier_at(v.secret, v.timestamp).verify_bytes(headers, v.payload.as_bytes()).await.unwrap_err();
    assert_eq!(err, WebhookError::BadSignature);
    // The specification's example header: one v1 and one v1a (asymmetric) entry.
    let spec = "v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg==";
    assert_eq!(SignatureList::parse_standard(spec).unwrap().len(), 1);
}

#[tokio::test]
async fn the_suites_invalid_signatures_are_refused() {
    let v = &PUBLISHED[0];
    let ts = v.timestamp.to_string();
    let partial = &v.signature[..8];
    for (header, expected) in [
        // python test_invalid_signature_raises_error: one bit off.
        ("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=", WebhookError::BadSignature),
        // rust test_no_verify (a well-formed signature of something else).
        ("v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=", WebhookError::BadSignature),
        // go "invalid signature is invalid".
        ("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=", WebhookError::BadSignature),
        // javascript/php "invalid signature": not 32 bytes of base64.
        ("v1,dawfeoifkpqwoekfpqoekf", WebhookError::MalformedHeader(WebhookHeader::Signature)),
        // ruby/csharp "invalid signature raises error".
        ("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLawdd", WebhookError::MalformedHeader(WebhookHeader::Signature)),
        // javascript "partial signature throws error", go "partial signature is invalid".
        (partial, WebhookError::MalformedHeader(WebhookHeader::Signature)),
        ("v1,", WebhookError::MalformedHeader(WebhookHeader::Signature)),
        // java verifyMissingPartsInSignatureThrowsException / verifySignatureMismatchThrowsException.
        ("invalid_signature", WebhookError::MalformedHeader(WebhookHeader::Signature)),
        ("v1,invalid_signature", WebhookError::MalformedHeader(WebhookHeader::Signature)),
    ] {
        let headers = WebhookHeaders::new(Some(v.id), Some(&ts), Some(header));
        let err = verifier_at(v.secret, v.timestamp).verify_bytes(headers, v.payload.as_bytes()).await.unwrap_err();
        assert_eq!(err, expected, "{header}");
    }
}

#[tokio::test]
async fn missing_and_invalid_headers_are_named() {
    // "missing id/timestamp/signature raises error", "invalid timestamp throws error".
    let v = &PUBLISHED[0];
    let ts = v.timestamp.to_string();
    let verifier = verifier_at(v.secret, v.timestamp);
    let body = v.payload.as_bytes();
    let cases = [
        (WebhookHeaders::new(None, Some(&ts), Some(v.signature)), WebhookError::MissingHeader(WebhookHeader::Id)),
        (
            WebhookHeaders::new(Some(v.id), None, Some(v.signature)),
            WebhookError::MissingHeader(WebhookHeader::Timestamp),
        ),
        (WebhookHeaders::new(Some(v.id), Some(&ts), None), WebhookError::MissingHeader(WebhookHeader::Signature)),
        (
            WebhookHeaders::new(Some(v.id), Some("hello"), Some(v.signature)),
            WebhookError::MalformedHeader(WebhookHeader::Timestamp),
        ),
        // ruby "invalid timestamp raises error".
        (
            WebhookHeaders::new(Some(v.id), Some("teadwd"), Some(v.signature)),
            WebhookError::MalformedHeader(WebhookHeader::Timestamp),
        ),
        // php testInvalidFloatTimestamp / testInvalidNegativeTimestamp (signing side there).
        (
            WebhookHeaders::new(Some(v.id), Some("161426533.0"), Some(v.signature)),
            WebhookError::MalformedHeader(WebhookHeader::Timestamp),
        ),
        (
            WebhookHeaders::new(Some(v.id), Some("-161426533"), Some(v.signature)),
            WebhookError::MalformedHeader(WebhookHeader::Timestamp),
        ),
    ];
    for (headers, expected) in cases {
        assert_eq!(verifier.verify_bytes(headers, body).await.unwrap_err(), expected);
    }
}

#[tokio::test]
async fn timestamps_one_second_past_the_tolerance_fail_either_way() {
    // "old timestamp fails" / "new timestamp fails": tolerance ± 1 s.
    let v = &PUBLISHED[0];
    let ts = v.timestamp.to_string();
    let headers = WebhookHeaders::new(Some(v.id), Some(&ts), Some(v.signature));
    let err = verifier_at(v.secret, v.timestamp + 301).verify_bytes(headers, v.payload.as_bytes()).await;
    assert_eq!(err.unwrap_err(), WebhookError::TimestampTooOld);
    let err = verifier_at(v.secret, v.timestamp - 301).verify_bytes(headers, v.payload.as_bytes()).await;
    assert_eq!(err.unwrap_err(), WebhookError::TimestampInFuture);
    // Our documented choice at exactly 300 s (the JavaScript, Ruby and Rust
    // libraries agree; Go and Python reject within the second).
    verifier_at(v.secret, v.timestamp + 300).verify_bytes(headers, v.payload.as_bytes()).await.unwrap();
    verifier_at(v.secret, v.timestamp - 300).verify_bytes(headers, v.payload.as_bytes()).await.unwrap();
    // A configured tolerance moves the edge.
    let narrow = verifier_at(v.secret, v.timestamp + 61).tolerance(Duration::from_secs(60));
    assert_eq!(narrow.verify_bytes(headers, v.payload.as_bytes()).await.unwrap_err(), WebhookError::TimestampTooOld);
}

#[tokio::test]
async fn a_signer_and_a_verifier_of_this_crate_meet_the_spec_in_the_middle() {
    // Our signer with their secret, verified by our verifier with the same
    // secret written without prefix: the round trip the libraries' "valid
    // signature is valid" tests make.
    let secret = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let signer = WebhookSigner::standard(WebhookSecret::from_standard(secret).unwrap())
        .clock(ManualClock::from_secs(1614265330));
    let signed = signer.sign(br#"{"test": 2432232314}"#).unwrap();
    assert_eq!(signed.profile(), WebhookProfile::StandardWebhooks);
    assert!(signed.event_id().starts_with("msg_"));
    let verified = verifier_at(secret, 1614265330)
        .verify_json::<serde_json::Value>(signed.as_headers(), br#"{"test": 2432232314}"#)
        .await
        .unwrap();
    assert_eq!(verified["test"], 2432232314_u64);
}
