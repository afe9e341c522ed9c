//! The cost of the `jti` denylist: `JwtValidator::validate_async` with a
//! denylist against the same validator without one, per token.
//!
//! * `hs256_*` and `es256_*`: without a denylist (`a_no_denylist`,
//!   `validate`), and with a [`MemoryDenylist`] of 10 000 revoked tokens
//!   (`b_memory_denylist`, `validate_async` polled once: the memory list
//!   never waits). HS256 is the cheapest signature, so there the lookup's
//!   share is largest.
//! * `es256_redis` (with `REDIS_URL`): a [`RedisDenylist`] (one `EXISTS`
//!   round trip per token) against the same validator without, on a
//!   current-thread runtime, one request at a time.
//!
//! ```text
//! cargo bench -p apishield-benches --bench token_denylist
//! REDIS_URL=redis://127.0.0.1:6379 cargo bench -p apishield-benches --bench token_denylist
//! ```
//!
//! After criterion's groups, each pair is also timed in alternating
//! batches (a batch of one, a batch of the other, 200 times) and the ratio
//! of the medians printed: on a shared machine whose load changes over a
//! run, alternation keeps both contenders under the same load. With
//! `APISHIELD_CALLGRIND=1` the binary instead runs each memory contender a
//! fixed number of times in its own `ir_*` function, for instruction
//! counts (as the `auth` bench):
//!
//! ```text
//! APISHIELD_CALLGRIND=1 valgrind --tool=callgrind --toggle-collect='*ir_*' target/release/deps/token_denylist-<hash> --bench
//! callgrind_annotate --inclusive=yes callgrind.out.<pid> | grep ir_
//! ```

#![allow(clippy::unwrap_used)] // a benchmark's unwrap is its setup assertion

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtIssuer, JwtKey, JwtKeys, JwtSigningKey, JwtValidator};
use apishield::auth::token::{AccessTokenDenylist, MemoryDenylist, RedisDenylist};
use criterion::{Criterion, criterion_group};

const ISS: &str = "https://auth.example.com";
const AUD: &str = "orders-api";

fn key_file(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/keys").join(name);
    std::fs::read(path).expect("committed test key")
}

/// Runs a future that never waits (the memory denylist answers at once).
fn now<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the memory denylist never waits"),
    }
}

fn validator(keys: impl Into<JwtKeys>, denylist: Option<impl AccessTokenDenylist + 'static>) -> JwtValidator {
    let builder = JwtValidator::builder(keys.into()).issuer(ISS).audience(AUD);
    match denylist {
        Some(denylist) => builder.denylist(denylist).build(),
        None => builder.build(),
    }
}

/// A token, and the keys that verify it.
fn es256() -> (String, JwtKey) {
    let signing =
        JwtSigningKey::from_pem(JwtAlgorithm::ES256, &key_file("test_ec_p256_private.pem")).unwrap().with_kid("k1");
    let signing = signing.unwrap();
    let key = signing.verification_key().unwrap();
    let token = JwtIssuer::new(signing, ISS, AUD).token("user-42").roles(["editor"]).sign().unwrap();
    (token.expose_secret().clone(), key)
}

fn hs256() -> (String, JwtKey) {
    let signing = JwtSigningKey::hmac(JwtAlgorithm::HS256, &HmacSecret::generate().unwrap()).unwrap();
    let key = signing.verification_key().unwrap();
    let token = JwtIssuer::new(signing, ISS, AUD).token("user-42").roles(["editor"]).sign().unwrap();
    (token.expose_secret().clone(), key)
}

/// A denylist holding 10 000 revoked tokens (not this one).
fn full_memory_denylist() -> MemoryDenylist {
    let denylist = MemoryDenylist::new();
    let exp = apishield::time::Clock::now_secs(&apishield::time::SystemClock) + 900;
    for i in 0..10_000 {
        now(denylist.deny(&format!("revoked-{i:016}-jti"), exp)).unwrap();
    }
    denylist
}

fn memory_group(c: &mut Criterion, name: &str, (token, key): (String, JwtKey)) {
    let plain = validator(key.clone(), None::<MemoryDenylist>);
    let listed = validator(key, Some(full_memory_denylist()));
    assert!(plain.validate(&token).is_ok());
    assert!(now(listed.validate_async(&token)).is_ok());

    let mut g = c.benchmark_group(name);
    g.bench_function("a_no_denylist", |b| b.iter(|| plain.validate(black_box(&token))));
    g.bench_function("b_memory_denylist", |b| b.iter(|| now(listed.validate_async(black_box(&token)))));
    g.finish();
}

fn hs256_memory(c: &mut Criterion) {
    memory_group(c, "hs256", hs256());
}

fn es256_memory(c: &mut Criterion) {
    memory_group(c, "es256", es256());
}

fn es256_redis(c: &mut Criterion) {
    let Ok(url) = std::env::var("REDIS_URL") else {
        eprintln!("token_denylist: set REDIS_URL (e.g. redis://127.0.0.1:6379) to measure the Redis denylist");
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let conn = rt.block_on(async { redis::Client::open(url).unwrap().get_connection_manager().await.unwrap() });
    let prefix = format!("apishield-bench:jti:{}:", std::process::id());
    let (token, key) = es256();
    let plain = validator(key.clone(), None::<RedisDenylist>);
    let listed = validator(key, Some(RedisDenylist::new(conn).prefix(&prefix)));
    assert!(rt.block_on(listed.validate_async(&token)).is_ok());

    let mut g = c.benchmark_group("es256_redis");
    g.bench_function("a_no_denylist", |b| b.iter(|| rt.block_on(plain.validate_async(black_box(&token)))));
    g.bench_function("b_redis_denylist", |b| b.iter(|| rt.block_on(listed.validate_async(black_box(&token)))));
    g.finish();
}

criterion_group!(benches, hs256_memory, es256_memory, es256_redis);

/// Median time per call of `a` and of `b`, timed in alternating batches.
fn paired(mut a: impl FnMut(), mut b: impl FnMut(), batch: u32, rounds: usize) -> (f64, f64) {
    let time = |f: &mut dyn FnMut()| {
        let started = std::time::Instant::now();
        for _ in 0..batch {
            f();
        }
        started.elapsed().as_secs_f64() / f64::from(batch)
    };
    let (mut ta, mut tb) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for _ in 0..rounds {
        ta.push(time(&mut a));
        tb.push(time(&mut b));
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(&mut ta), median(&mut tb))
}

fn report(name: &str, (a, b): (f64, f64)) {
    println!("{name}: without {:.2} µs, with {:.2} µs, ratio {:.3}", a * 1e6, b * 1e6, b / a);
}

fn paired_ratios() {
    println!("paired (alternating batches, medians):");
    for (name, (token, key), batch) in [("hs256 memory", hs256(), 500), ("es256 memory", es256(), 20)] {
        let plain = validator(key.clone(), None::<MemoryDenylist>);
        let listed = validator(key, Some(full_memory_denylist()));
        let result = paired(
            || assert!(plain.validate(black_box(&token)).is_ok()),
            || assert!(now(listed.validate_async(black_box(&token))).is_ok()),
            batch,
            200,
        );
        report(name, result);
    }
    if let Ok(url) = std::env::var("REDIS_URL") {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let conn = rt.block_on(async { redis::Client::open(url).unwrap().get_connection_manager().await.unwrap() });
        let prefix = format!("apishield-bench:jti:{}:", std::process::id());
        for (name, (token, key)) in [("hs256 redis", hs256()), ("es256 redis", es256())] {
            let plain = validator(key.clone(), None::<RedisDenylist>);
            let listed = validator(key, Some(RedisDenylist::new(conn.clone()).prefix(&prefix)));
            let result = paired(
                || assert!(rt.block_on(plain.validate_async(black_box(&token))).is_ok()),
                || assert!(rt.block_on(listed.validate_async(black_box(&token))).is_ok()),
                20,
                200,
            );
            report(name, result);
        }
    }
}

fn main() {
    if std::env::var_os("APISHIELD_CALLGRIND").is_some() {
        callgrind::run();
        return;
    }
    benches();
    criterion::Criterion::default().configure_from_args().final_summary();
    paired_ratios();
}

/// Fixed iteration counts per contender, each in its own never-inlined
/// function: callgrind's inclusive cost of `ir_*` divided by the count is
/// instructions per call.
mod callgrind {
    use super::*;

    const HS_RUNS: usize = 2_000;
    const ES_RUNS: usize = 50;

    #[inline(never)]
    fn ir_hs256_no_denylist(token: &str, validator: &JwtValidator) {
        for _ in 0..HS_RUNS {
            assert!(validator.validate(black_box(token)).is_ok());
        }
    }

    #[inline(never)]
    fn ir_hs256_memory_denylist(token: &str, validator: &JwtValidator) {
        for _ in 0..HS_RUNS {
            assert!(now(validator.validate_async(black_box(token))).is_ok());
        }
    }

    #[inline(never)]
    fn ir_es256_no_denylist(token: &str, validator: &JwtValidator) {
        for _ in 0..ES_RUNS {
            assert!(validator.validate(black_box(token)).is_ok());
        }
    }

    #[inline(never)]
    fn ir_es256_memory_denylist(token: &str, validator: &JwtValidator) {
        for _ in 0..ES_RUNS {
            assert!(now(validator.validate_async(black_box(token))).is_ok());
        }
    }

    pub(super) fn run() {
        let (token, key) = hs256();
        let denylist = full_memory_denylist();
        ir_hs256_no_denylist(&token, &validator(key.clone(), None::<MemoryDenylist>));
        ir_hs256_memory_denylist(&token, &validator(key, Some(denylist.clone())));
        let (token, key) = es256();
        ir_es256_no_denylist(&token, &validator(key.clone(), None::<MemoryDenylist>));
        ir_es256_memory_denylist(&token, &validator(key, Some(denylist)));
    }
}
