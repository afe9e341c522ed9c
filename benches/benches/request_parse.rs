//! Parse + validate of the same `CreateUser` request by each contender of
//! `apishield_benches`: group "valid" parses `inputs::VALID`, group
//! "invalid" parses `inputs::INVALID` (rejected by all but the floor).
//!
//! ```text
//! cargo bench -p apishield-benches --bench request_parse
//! ```

use std::hint::black_box;

use apishield_benches::{hand_written, inputs, plain, shield, with_garde, with_validator};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn group(c: &mut Criterion, name: &str, json: &[u8], expect_ok: bool) {
    // Fail loudly rather than benchmark a contender on the wrong path.
    assert!(plain::parse(json).is_ok());
    assert_eq!(with_validator::parse(json).is_ok(), expect_ok, "validator");
    assert_eq!(with_garde::parse(json).is_ok(), expect_ok, "garde");
    assert_eq!(hand_written::parse(json).is_ok(), expect_ok, "hand_written");
    assert_eq!(shield::parse(json).is_ok(), expect_ok, "apishield");

    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(json.len() as u64));
    g.bench_function("a_serde_only", |b| b.iter(|| plain::parse(black_box(json))));
    g.bench_function("b_validator", |b| b.iter(|| with_validator::parse(black_box(json))));
    g.bench_function("c_garde", |b| b.iter(|| with_garde::parse(black_box(json))));
    g.bench_function("d_hand_written", |b| b.iter(|| hand_written::parse(black_box(json))));
    g.bench_function("e_apishield", |b| b.iter(|| shield::parse(black_box(json))));
    g.finish();
}

fn valid(c: &mut Criterion) {
    group(c, "valid", inputs::VALID.as_bytes(), true);
}

fn invalid(c: &mut Criterion) {
    group(c, "invalid", inputs::INVALID.as_bytes(), false);
}

criterion_group!(benches, valid, invalid);
criterion_main!(benches);
