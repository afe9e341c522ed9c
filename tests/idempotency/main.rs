//! `#[idempotent]` over real HTTP: the draft's answers, scoping, concurrency,
//! outages, disconnects, crashes, large responses, floods.
//!
//! One test binary per area: each links axum, tokio, redis and jsonwebtoken,
//! so fewer binaries is less time spent linking.

mod exactly_once;
mod http;

/// A store on the tests' Redis under `prefix`, `None` without Redis.
///
/// redis-rs waits 500 ms for a reply by default; a burst of a thousand
/// scripts on a busy machine can take longer, and a store that does not
/// answer in time is an outage (503), so it gets the time a server would.
async fn redis_store(prefix: &str) -> Option<apishield::idempotency::RedisIdempotencyStore> {
    let url = apishield_tests::redis_url()?;
    let config =
        redis::aio::ConnectionManagerConfig::new().set_response_timeout(Some(std::time::Duration::from_secs(5)));
    let conn = redis::Client::open(url).ok()?.get_connection_manager_with_config(config).await.ok()?;
    Some(apishield::idempotency::RedisIdempotencyStore::new(conn).prefix(prefix))
}
