//! The cost of `#[idempotent]` on a trivial axum handler with the memory
//! store, against the same handler without it, both called through axum's
//! service (`Router::oneshot`, no network): a fresh key (claim, run, keep)
//! and a replay (claim finds the record).
//!
//! ```text
//! cargo bench -p apishield-benches --bench idempotency
//! ```

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use apishield::axum::Idempotency;
use apishield::idempotency::MemoryIdempotencyStore;
use apishield::prelude::*;
use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::post;
use criterion::{Criterion, criterion_group, criterion_main};
use tower::ServiceExt;

async fn bare(_principal: Principal) -> &'static str {
    "{\"ok\":true}"
}

#[idempotent(ttl = "1h")]
async fn idempotent(_key: IdempotencyKey, _principal: Principal) -> &'static str {
    "{\"ok\":true}"
}

fn request(key: &str) -> Request<Body> {
    let mut req = Request::post("/").header("idempotency-key", key).body(Body::empty()).unwrap_or_default();
    req.extensions_mut().insert(Principal::new("alice"));
    req
}

fn bench(c: &mut Criterion) {
    // Timers on: an idempotent handler renews its lock while it runs.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let bare_router = Router::new().route("/", post(bare));
    // Room for every fresh key of a long run: this measures the path, not eviction.
    let store =
        Idempotency::new(MemoryIdempotencyStore::new(50_000_000, usize::MAX).per_caller(usize::MAX, usize::MAX));
    let idem_router = Router::new().route("/", post(idempotent)).with_state(store);
    let counter = AtomicU64::new(0);
    let mut group = c.benchmark_group("idempotency");
    group.bench_function("bare_handler", |b| {
        b.iter(|| {
            let key = format!("k{}", counter.fetch_add(1, Ordering::Relaxed));
            rt.block_on(bare_router.clone().oneshot(black_box(request(&key))))
        });
    });
    group.bench_function("idempotent_fresh_key", |b| {
        b.iter(|| {
            let key = format!("k{}", counter.fetch_add(1, Ordering::Relaxed));
            rt.block_on(idem_router.clone().oneshot(black_box(request(&key))))
        });
    });
    let _ = rt.block_on(idem_router.clone().oneshot(request("replayed")));
    group.bench_function("idempotent_replay", |b| {
        b.iter(|| rt.block_on(idem_router.clone().oneshot(black_box(request("replayed")))));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
