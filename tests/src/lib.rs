//! Request types shared by the integration tests: the design's `CreateUser`
//! and a few neighbours that exercise every kind of field.

pub mod cargo_fixture;
pub mod fixtures;
pub mod http;
pub mod proxy;

/// The Redis server of the tests, from `REDIS_URL`. `None` (with a line on
/// stderr saying why) when it is not set: such tests skip on machines
/// without Redis, and CI always sets it.
pub fn redis_url() -> Option<String> {
    match std::env::var("REDIS_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            eprintln!("skipped: REDIS_URL is not set, so this test cannot reach a Redis server");
            None
        }
    }
}
