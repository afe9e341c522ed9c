//! The Redis store: one record per key, shared by every server process;
//! claiming, completing and releasing are each one Lua script, so one atomic
//! round trip.

use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::{Script, Value};

use super::store::{Claim, Fingerprint, IdempotencyStore, LockToken, StoreError, StoreFuture, StoredResponse};

/// The key prefix of the records.
pub const DEFAULT_PREFIX: &str = "apishield:idem:";

/// Idempotency records in Redis, for several server processes that must
/// agree on which one runs a request. Records expire with their TTL (the
/// lock's while running, the record's once done), so Redis memory stays
/// bounded. A fresh key costs two round trips (claim, complete), a replay one.
#[derive(Clone)]
pub struct RedisIdempotencyStore {
    connection: ConnectionManager,
    prefix: String,
    claim: std::sync::Arc<Script>,
    complete: std::sync::Arc<Script>,
    release: std::sync::Arc<Script>,
}

impl std::fmt::Debug for RedisIdempotencyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisIdempotencyStore").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

fn store_error(e: redis::RedisError) -> StoreError {
    tracing::warn!(error = %e, "idempotency store unavailable");
    StoreError::new("redis is unavailable")
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl RedisIdempotencyStore {
    /// A store on `connection` (a `ConnectionManager` reconnects by itself
    /// when Redis comes back), with the default key prefix.
    ///
    /// The connection's response timeout decides when Redis counts as down
    /// (redis-rs defaults to 500 ms): a claim that times out is answered 503
    /// before the handler runs, but a *completion* that times out leaves the
    /// response unkept, so a retry after the lock expires runs the handler
    /// again. Give the connection a timeout well above Redis's latency under
    /// your peak load (`ConnectionManagerConfig::set_response_timeout`).
    pub fn new(connection: ConnectionManager) -> Self {
        RedisIdempotencyStore::with_prefix(connection, DEFAULT_PREFIX)
    }

    /// A store whose records are named `{prefix}{key}`.
    pub fn with_prefix(connection: ConnectionManager, prefix: impl Into<String>) -> Self {
        RedisIdempotencyStore {
            connection,
            prefix: prefix.into(),
            claim: std::sync::Arc::new(Script::new(include_str!("lua/claim.lua"))),
            complete: std::sync::Arc::new(Script::new(include_str!("lua/complete.lua"))),
            release: std::sync::Arc::new(Script::new(include_str!("lua/release.lua"))),
        }
    }

    fn record(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

fn bytes(value: &Value) -> Option<Vec<u8>> {
    match value {
        Value::BulkString(b) => Some(b.clone()),
        Value::SimpleString(s) => Some(s.clone().into_bytes()),
        _ => None,
    }
}

fn parse_claim(value: &Value) -> Result<Claim, StoreError> {
    let bad = || StoreError::new("unexpected reply from the claim script");
    let Value::Array(items) = value else { return Err(bad()) };
    match items.first() {
        Some(Value::Int(0)) => Ok(Claim::Started(LockToken(0))),
        Some(Value::Int(2)) => Ok(Claim::InProgress),
        Some(Value::Int(3)) => Ok(Claim::Mismatch),
        Some(Value::Int(1)) => {
            let status = items.get(1).and_then(bytes).and_then(|b| String::from_utf8(b).ok());
            let status = status.and_then(|s| s.parse::<u16>().ok()).ok_or_else(bad)?;
            let content_type = items.get(2).and_then(bytes).filter(|b| !b.is_empty());
            let content_type = content_type.map(String::from_utf8).transpose().map_err(|_| bad())?;
            let body = items.get(3).and_then(bytes).ok_or_else(bad)?;
            Ok(Claim::Replay(StoredResponse { status, content_type, body }))
        }
        _ => Err(bad()),
    }
}

impl IdempotencyStore for RedisIdempotencyStore {
    fn claim<'a>(&'a self, key: &'a str, fingerprint: Fingerprint, lock_ttl: Duration) -> StoreFuture<'a, Claim> {
        Box::pin(async move {
            let token = LockToken::random()?;
            let mut connection = self.connection.clone();
            let reply: Value = self
                .claim
                .key(self.record(key))
                .arg(&fingerprint[..])
                .arg(token.hex())
                .arg(millis(lock_ttl))
                .invoke_async(&mut connection)
                .await
                .map_err(store_error)?;
            Ok(match parse_claim(&reply)? {
                Claim::Started(_) => Claim::Started(token),
                other => other,
            })
        })
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: LockToken,
        response: &'a StoredResponse,
        ttl: Duration,
    ) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let stored: i64 = self
                .complete
                .key(self.record(key))
                .arg(token.hex())
                .arg(response.status)
                .arg(response.content_type.as_deref().unwrap_or(""))
                .arg(&response.body[..])
                .arg(millis(ttl))
                .invoke_async(&mut connection)
                .await
                .map_err(store_error)?;
            Ok(stored == 1)
        })
    }

    fn release<'a>(&'a self, key: &'a str, token: LockToken) -> StoreFuture<'a, bool> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let released: i64 = self
                .release
                .key(self.record(key))
                .arg(token.hex())
                .invoke_async(&mut connection)
                .await
                .map_err(store_error)?;
            Ok(released == 1)
        })
    }
}
