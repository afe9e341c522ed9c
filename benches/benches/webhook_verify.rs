//! Webhook verification against the floor: the same HMAC-SHA256 computed
//! with the bare `hmac` + `sha2` crates and compared with `subtle`, for a
//! 1 KiB and a 64 KiB payload (`X-Webhook-*` profile, the security
//! reference's scheme `sha256=hex(HMAC(secret, "{timestamp}.{payload}"))`).
//!
//! * `a_bare_hmac_subtle`: decode the header's hex, key the MAC, hash,
//!   compare in constant time. What a careful hand-written check does.
//! * `b_apishield_signature`: `WebhookVerifier::verify_bytes` with a replay
//!   store that records nothing: header parsing, timestamp window, HMAC,
//!   constant-time comparison, the `Verified` value. The goal: within 1.05x
//!   of `a`.
//! * `c_apishield_memory_store`: the same with the default
//!   `MemoryReplayStore` recording the delivery (a fresh, warmed-up store
//!   per iteration, built outside the timing).
//!
//! ```text
//! cargo bench -p apishield-benches --bench webhook_verify
//! ```
//!
//! On a shared, loaded machine wall-clock samples drift between contenders.
//! `WEBHOOK_BENCH_LOOP=<a|b>:<KiB>:<iterations>` skips criterion and runs
//! one contender a fixed number of times, so that `perf stat -e
//! cycles:u,instructions:u` gives per-iteration counts that preemption does
//! not inflate:
//!
//! ```text
//! WEBHOOK_BENCH_LOOP=a:1:1000000 perf stat -e cycles:u,instructions:u target/release/deps/webhook_verify-*
//! ```

use std::future::{Future, ready};
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use apishield::store::BoxFuture;
use apishield::time::ManualClock;
use apishield::webhook::{
    ReplayKeys, ReplayStore, ReplayStoreError, Sighting, SignedWebhook, WebhookSecret, WebhookSigner, WebhookVerifier,
};
use criterion::{BatchSize, Criterion, Throughput, criterion_group};
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

const KEY: [u8; 32] = [0x42; 32];
const NOW: i64 = 1_700_000_000;

/// Polls a future that is ready at once (both stores here answer without waiting).
fn now<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the bench stores never wait"),
    }
}

/// A replay store that records nothing: isolates the signature path.
#[derive(Clone, Copy)]
struct NoStore;

impl ReplayStore for NoStore {
    fn record<'a>(&'a self, _: &'a ReplayKeys, _: i64, _: u64) -> BoxFuture<'a, Result<Sighting, ReplayStoreError>> {
        Box::pin(ready(Ok(Sighting::First)))
    }

    fn forget<'a>(&'a self, _: &'a ReplayKeys) -> BoxFuture<'a, Result<(), ReplayStoreError>> {
        Box::pin(ready(Ok(())))
    }
}

fn bare(key: &[u8], timestamp: &str, signature: &str, body: &[u8]) -> bool {
    let Some(hex_tag) = signature.strip_prefix("sha256=") else { return false };
    let mut expected = [0u8; 32];
    if hex::decode_to_slice(hex_tag, &mut expected).is_err() {
        return false;
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().as_slice().ct_eq(&expected[..]).into()
}

fn payload(len: usize) -> Vec<u8> {
    let mut json = String::from(r#"{"type":"invoice.paid","data":{"blob":""#);
    while json.len() < len - 3 {
        json.push('x');
    }
    json.push_str(r#""}}"#);
    json.into_bytes()
}

fn group(c: &mut Criterion, name: &str, body: &[u8]) {
    let secret = WebhookSecret::from_bytes(&KEY).expect("32-byte key");
    let signed: SignedWebhook = WebhookSigner::new(secret.clone()).sign_at("evt_bench", NOW, body).expect("signable");
    let signature_only = WebhookVerifier::new(secret.clone()).clock(ManualClock::from_secs(NOW)).store(NoStore);
    // A store in its steady state: its tables already allocated (by a
    // warm-up delivery, recorded and forgotten), so the timing is the record
    // itself and not the first allocation of an empty map.
    let warm_up = WebhookSigner::new(secret.clone()).sign_at("evt_warm_up", NOW - 1, b"{}").expect("signable");
    let fresh = || {
        let verifier = WebhookVerifier::new(secret.clone()).clock(ManualClock::from_secs(NOW));
        let verified = now(verifier.verify_bytes(warm_up.as_headers(), b"{}")).expect("warm-up delivery");
        now(verifier.forget(&verified)).expect("forget");
        verifier
    };

    // Fail loudly rather than benchmark the wrong path.
    assert!(bare(&KEY, signed.timestamp_header(), signed.signature(), body));
    assert!(now(signature_only.verify_bytes(signed.as_headers(), body)).is_ok());
    assert!(now(fresh().verify_bytes(signed.as_headers(), body)).is_ok());

    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("a_bare_hmac_subtle", |b| {
        b.iter(|| {
            bare(black_box(&KEY), black_box(signed.timestamp_header()), black_box(signed.signature()), black_box(body))
        })
    });
    g.bench_function("b_apishield_signature", |b| {
        b.iter(|| now(signature_only.verify_bytes(black_box(signed.as_headers()), black_box(body))).is_ok())
    });
    g.bench_function("c_apishield_memory_store", |b| {
        b.iter_batched(
            fresh,
            |verifier| {
                let ok = now(verifier.verify_bytes(black_box(signed.as_headers()), black_box(body))).is_ok();
                (verifier, ok)
            },
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

fn one_kib(c: &mut Criterion) {
    group(c, "webhook_verify_1KiB", &payload(1024));
}

fn sixty_four_kib(c: &mut Criterion) {
    group(c, "webhook_verify_64KiB", &payload(64 * 1024));
}

criterion_group!(benches, one_kib, sixty_four_kib);

/// `WEBHOOK_BENCH_LOOP` mode (see the module documentation).
fn fixed_loop(spec: &str) {
    let mut parts = spec.split(':');
    let (Some(who), Some(kib), Some(iterations)) = (parts.next(), parts.next(), parts.next()) else {
        panic!("WEBHOOK_BENCH_LOOP=<a|b|c>:<KiB>:<iterations>")
    };
    let kib: usize = kib.parse().expect("KiB");
    let iterations: u64 = iterations.parse().expect("iterations");
    let body = payload(kib * 1024);
    let secret = WebhookSecret::from_bytes(&KEY).expect("32-byte key");
    let signed = WebhookSigner::new(secret.clone()).sign_at("evt_bench", NOW, &body).expect("signable");
    let signature_only = WebhookVerifier::new(secret.clone()).clock(ManualClock::from_secs(NOW)).store(NoStore);
    let mut ok = 0u64;
    for _ in 0..iterations {
        let verified = match who {
            "a" => bare(
                black_box(&KEY),
                black_box(signed.timestamp_header()),
                black_box(signed.signature()),
                black_box(&body),
            ),
            "b" => now(signature_only.verify_bytes(black_box(signed.as_headers()), black_box(&body))).is_ok(),
            _ => panic!("contender a or b"),
        };
        ok += u64::from(verified);
    }
    assert_eq!(ok, iterations);
}

fn main() {
    if let Ok(spec) = std::env::var("WEBHOOK_BENCH_LOOP") {
        fixed_loop(&spec);
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
