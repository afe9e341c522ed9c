//! Request types shared by the integration tests: the design's `CreateUser`
//! and a few neighbours that exercise every kind of field.

pub mod browser;
pub mod cargo_fixture;
pub mod fixtures;
pub mod http;
pub mod proxy;

/// The Redis server of the tests, from `REDIS_URL`. `None` when it is not
/// set: such tests skip on machines without Redis (CI always sets it), and
/// say so loudly, past the test harness's output capture, so a green run
/// without Redis is never mistaken for a run with it.
pub fn redis_url() -> Option<String> {
    match std::env::var("REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            use std::io::Write as _;
            let test = std::thread::current().name().unwrap_or("a test").to_owned();
            // Written to the process's stderr directly: libtest captures
            // `eprintln!` of passing tests, not this.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test}: REDIS_URL is not set, so it cannot reach a Redis server (CI sets it)"
            );
            None
        }
    }
}

/// A Redis key prefix no other test (of this run or another process) uses:
/// `apishield-test:{test}:{pid}-{nanos}-{n}:`.
pub fn unique_prefix(test: &str) -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("apishield-test:{test}:{}-{nanos:x}-{n}:", std::process::id())
}
