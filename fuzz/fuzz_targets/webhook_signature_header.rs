//! Arbitrary text into the webhook header readers and the verifier: never a
//! panic, and whatever is accepted is exactly what its format allows.
//!
//! * `SignatureList::parse_standard`: the tags read back out, re-encoded as
//!   `v1,<base64>` entries, parse to the same list (nothing invented,
//!   nothing lost), between 1 and `MAX_SIGNATURES` of them;
//! * `SignatureList::parse_hex`: accepted only as `sha256=` + the tag's hex;
//! * `parse_timestamp`: accepted only in canonical decimal;
//! * the whole verifier, fed the input split into id, timestamp, signature
//!   and body: refuses (a random input carrying a valid HMAC is not a
//!   thing), and does so without panicking.
#![no_main]

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use apishield::time::ManualClock;
use apishield::webhook::header::{MAX_SIGNATURES, SignatureList, is_valid_event_id, parse_timestamp};
use apishield::webhook::{WebhookHeaders, WebhookSecret, WebhookVerifier};
use base64::Engine as _;
use libfuzzer_sys::fuzz_target;

/// The memory replay store answers at once: one poll completes the future.
fn ready<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the memory replay store never waits"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };

    if let Ok(list) = SignatureList::parse_standard(text) {
        assert!((1..=MAX_SIGNATURES).contains(&list.len()));
        let tags: Vec<[u8; 32]> = list.iter().collect();
        assert_eq!(tags.len(), list.len());
        let again: Vec<String> =
            tags.iter().map(|tag| format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(tag))).collect();
        let again = again.join(" ");
        let reparsed = SignatureList::parse_standard(&again).expect("re-encoded tags parse");
        assert_eq!(reparsed.iter().collect::<Vec<_>>(), tags);
        assert!(text.contains("v1,"));
    }

    if let Ok(list) = SignatureList::parse_hex(text) {
        assert_eq!(list.len(), 1);
        let tag = list.iter().next().expect("one tag");
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(text.to_ascii_lowercase(), format!("sha256={hex}"));
    }

    if let Some(ts) = parse_timestamp(text) {
        assert_eq!(ts.to_string(), text);
    }

    if is_valid_event_id(text) {
        assert!(!text.is_empty() && text.len() <= 256 && !text.contains('.') && text.is_ascii());
    }

    let mut parts = text.splitn(4, '\n');
    let (id, ts, sig, body) = (parts.next(), parts.next(), parts.next(), parts.next().unwrap_or(""));
    let secret = WebhookSecret::from_bytes(&[0x5a; 32]).expect("a 32-byte secret");
    let headers = WebhookHeaders::new(id, ts, sig);
    let standard = WebhookVerifier::standard(secret.clone()).clock(ManualClock::from_secs(1_700_000_000));
    assert!(ready(standard.verify_bytes(headers, body.as_bytes())).is_err());
    let x_webhook = WebhookVerifier::new(secret).clock(ManualClock::from_secs(1_700_000_000));
    assert!(ready(x_webhook.verify_bytes(headers, body.as_bytes())).is_err());
});
