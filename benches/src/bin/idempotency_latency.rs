//! The worst single call of the memory idempotency store: claims and
//! completes distinct keys, each pair timed alone, and prints the latency
//! distribution (p50, p99, p99.9, max) and how many pairs took over 10 ms,
//! in wall time and in the thread's CPU time. On a shared machine the wall
//! time also counts the scheduler giving the core to another process (a
//! whole tick, 4 ms at 250 Hz); the CPU time counts only this thread's own
//! work, page faults included: a stall in both is the store's. A
//! measurement, not a test: it asserts nothing.
//!
//! ```text
//! cargo run --release -p apishield-benches --bin idempotency_latency -- \
//!     [--keys 1000000] [--ttl-ms 5000] [--span-ms 60000] [--threads 1] [--real-clock]
//! ```
//!
//! By default the store reads a manual clock that moves `span-ms` over the
//! run, evenly per key, so that records expire during it whatever the
//! machine's speed (1,000,000 keys over a simulated 60 s, kept 5 s: about
//! 83,000 live records at any time). `--real-clock` reads the monotonic
//! clock instead (then `--ttl-ms` should be shorter than the run). With
//! `--threads` above 1, the threads share the store and the key sequence.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use apishield::idempotency::{
    Claim, ClaimRequest, IdempotencyStore, LockToken, MemoryIdempotencyStore, StoredResponse,
};
use apishield::time::{Clock, ManualClock, SystemClock};

/// Callers the keys are spread over: the per-caller usage map is exercised.
const CALLERS: u64 = 1000;

struct Options {
    keys: u64,
    ttl_ms: u64,
    span_ms: u64,
    threads: usize,
    real_clock: bool,
}

fn options() -> Result<Options, String> {
    let mut o = Options { keys: 1_000_000, ttl_ms: 5_000, span_ms: 60_000, threads: 1, real_clock: false };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || -> Result<u64, String> {
            let v = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
            v.parse().map_err(|_| format!("{arg}: not a number: {v}"))
        };
        match arg.as_str() {
            "--keys" => o.keys = value()?.max(1),
            "--ttl-ms" => o.ttl_ms = value()?,
            "--span-ms" => o.span_ms = value()?,
            "--threads" => o.threads = usize::try_from(value()?.max(1)).map_err(|e| e.to_string())?,
            "--real-clock" => o.real_clock = true,
            // `cargo bench` passes `--bench`; anything else is a mistake.
            "--bench" => {}
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(o)
}

/// The memory store's futures are ready when returned: one poll.
fn ready<T>(future: impl Future<Output = T>) -> T {
    let mut cx = Context::from_waker(Waker::noop());
    match pin!(future).poll(&mut cx) {
        Poll::Ready(value) => value,
        Poll::Pending => panic!("the memory store's futures are ready at once"),
    }
}

/// This thread's CPU time, in nanoseconds.
fn cpu_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    u64::try_from(t.tv_sec).unwrap_or(0) * 1_000_000_000 + u64::try_from(t.tv_nsec).unwrap_or(0)
}

/// Wall and CPU nanoseconds of each claim and complete.
fn run(o: &Options, store: &MemoryIdempotencyStore, clock: &ManualClock, next: &AtomicU64) -> Vec<(u64, u64)> {
    let response = StoredResponse {
        status: 201,
        headers: vec![("content-type".into(), b"application/json".to_vec())],
        body: Some(b"{\"ok\":true}".to_vec()),
    };
    let ttl = Duration::from_millis(o.ttl_ms);
    let mut latencies = Vec::with_capacity(usize::try_from(o.keys).unwrap_or(0) / o.threads + 1);
    loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        if i >= o.keys {
            return latencies;
        }
        // The simulated time of key i: the run's span spread evenly.
        let (at, then) = (u128::from(i) * u128::from(o.span_ms), u128::from(i + 1) * u128::from(o.span_ms));
        let step = then / u128::from(o.keys) - at / u128::from(o.keys);
        let key = format!("payments:POST:/pay:{i:016x}");
        let owner = format!("caller-{}", i % CALLERS);
        let request = ClaimRequest {
            key: &key,
            owner: &owner,
            fingerprint: [7; 32],
            lock_ttl: Duration::from_secs(30).min(ttl),
            ttl,
            rerun_abandoned: false,
            token: LockToken::random().unwrap_or_else(|e| panic!("key {i}: {e}")),
        };
        let (start, cpu) = (Instant::now(), cpu_ns());
        let claim = ready(store.claim(&request));
        let done = match claim {
            Ok(Claim::Started(token)) => ready(store.complete(&key, token, &response, ttl)),
            other => panic!("key {i}: {other:?}"),
        };
        let (elapsed, cpu) = (start.elapsed(), cpu_ns().saturating_sub(cpu));
        assert!(matches!(done, Ok(true)), "key {i} not completed: {done:?}");
        latencies.push((u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX), cpu));
        if step > 0 {
            clock.advance(Duration::from_millis(u64::try_from(step).unwrap_or(u64::MAX)));
        }
    }
}

fn main() {
    let o = match options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("idempotency_latency: {e}");
            std::process::exit(2);
        }
    };
    // From the wall clock's time: a store anchors its bookkeeping to it when built.
    let clock = ManualClock::new(SystemClock.now_ms());
    // Unbounded: this measures expiry and growth, not refusals.
    let store = MemoryIdempotencyStore::new(usize::MAX, usize::MAX).per_caller(usize::MAX, usize::MAX);
    let store = if o.real_clock { store } else { store.clock(clock.clone()) };
    let next = AtomicU64::new(0);
    let started = Instant::now();
    let latencies: Vec<(u64, u64)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..o.threads).map(|_| s.spawn(|| run(&o, &store, &clock, &next))).collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
    });
    let wall = started.elapsed();
    println!(
        "keys {} ttl {} ms, {}, {} thread(s), {:.2} s",
        o.keys,
        o.ttl_ms,
        if o.real_clock { "real clock".to_owned() } else { format!("manual clock over {} ms", o.span_ms) },
        o.threads,
        wall.as_secs_f64()
    );
    report("wall", latencies.iter().map(|l| l.0).collect());
    report("cpu ", latencies.iter().map(|l| l.1).collect());
    println!("records at the end: {}, bytes {}", store.len(), store.bytes());
}

fn report(what: &str, mut latencies: Vec<u64>) {
    latencies.sort_unstable();
    let at = |q: f64| {
        // Nearest rank: the smallest latency at or above the quantile.
        let rank = (q * latencies.len() as f64).ceil() as usize;
        latencies.get(rank.saturating_sub(1)).copied().unwrap_or(0)
    };
    let us = |ns: u64| ns as f64 / 1000.0;
    let over = latencies.iter().filter(|&&ns| ns > 10_000_000).count();
    println!(
        "claim+complete {what}: p50 {:.1} us, p99 {:.1} us, p99.9 {:.1} us, max {:.1} us; {over} over 10 ms",
        us(at(0.5)),
        us(at(0.99)),
        us(at(0.999)),
        us(latencies.last().copied().unwrap_or(0)),
    );
}
