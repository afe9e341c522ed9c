//! The Redis store: one record per key, shared by every server process;
//! claiming, renewing, completing and releasing are each one Lua script, so
//! one atomic round trip. Lock expiry is Redis's own clock (`TIME`), so the
//! servers' clocks do not matter.

use std::time::Duration;

use redis::aio::ConnectionManager;
use redis::{Script, Value};

use super::store::{Claim, ClaimRequest, IdempotencyStore, IdempotencyStoreError, LockToken, StoredResponse};
use crate::store::BoxFuture;

/// The key prefix of the records (`v2`: records carry headers and lock
/// expiry since the exactly-once rework; older records are not read).
const DEFAULT_PREFIX: &str = "apishield:idem:v2:";

/// Idempotency records in Redis, for several server processes that must
/// agree on which one runs a request. Records expire with their TTL, so
/// Redis memory stays bounded (size Redis's `maxmemory` for your peak; there
/// is no per-caller quota here, unlike the memory store). A fresh key costs
/// two round trips (claim, complete), a replay one; a handler running longer
/// than a third of its lock adds one renewal per third.
#[derive(Clone)]
pub struct RedisIdempotencyStore {
    connection: ConnectionManager,
    prefix: String,
    scripts: std::sync::Arc<Scripts>,
}

struct Scripts {
    claim: Script,
    renew: Script,
    complete: Script,
    release: Script,
}

impl std::fmt::Debug for RedisIdempotencyStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisIdempotencyStore").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

fn store_error(e: redis::RedisError) -> IdempotencyStoreError {
    tracing::warn!(error = %e, "idempotency store unavailable");
    IdempotencyStoreError::new("redis is unavailable")
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
    /// before the handler runs; a *completion* that fails is retried, and if
    /// it still fails the request's outcome is unknown to the store (a retry
    /// after the lock expires gets 409 `idempotency_outcome_unknown`, never a
    /// second run). Give the connection a timeout well above Redis's latency
    /// under your peak load (`ConnectionManagerConfig::set_response_timeout`).
    pub fn new(connection: ConnectionManager) -> Self {
        RedisIdempotencyStore {
            connection,
            prefix: DEFAULT_PREFIX.to_owned(),
            scripts: std::sync::Arc::new(Scripts {
                claim: Script::new(include_str!("lua/claim.lua")),
                renew: Script::new(include_str!("lua/renew.lua")),
                complete: Script::new(include_str!("lua/complete.lua")),
                release: Script::new(include_str!("lua/release.lua")),
            }),
        }
    }

    /// Names the records `<prefix><key>` instead of
    /// `apishield:idem:v2:<key>`.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
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

fn parse_claim(value: &Value) -> Result<Claim, IdempotencyStoreError> {
    let bad = || IdempotencyStoreError::new("unexpected reply from the claim script");
    let Value::Array(items) = value else { return Err(bad()) };
    match items.first() {
        Some(Value::Int(0)) => Ok(Claim::Started(LockToken(0))),
        Some(Value::Int(2)) => Ok(Claim::InProgress),
        Some(Value::Int(3)) => Ok(Claim::Mismatch),
        Some(Value::Int(4)) => Ok(Claim::Abandoned),
        Some(Value::Int(1)) => {
            let status = items.get(1).and_then(bytes).and_then(|b| String::from_utf8(b).ok());
            let status = status.and_then(|s| s.parse::<u16>().ok()).ok_or_else(bad)?;
            let headers = items.get(2).and_then(bytes).unwrap_or_default();
            let headers = StoredResponse::decode_headers(&headers).ok_or_else(bad)?;
            let body = items.get(3).and_then(bytes);
            Ok(Claim::Replay(StoredResponse { status, headers, body }))
        }
        _ => Err(bad()),
    }
}

impl IdempotencyStore for RedisIdempotencyStore {
    fn claim<'a>(&'a self, request: &'a ClaimRequest<'a>) -> BoxFuture<'a, Result<Claim, IdempotencyStoreError>> {
        Box::pin(async move {
            let token = request.token;
            let mut connection = self.connection.clone();
            let reply: Value = self
                .scripts
                .claim
                .key(self.record(request.key))
                .arg(&request.fingerprint[..])
                .arg(token.hex())
                .arg(millis(request.lock_ttl))
                .arg(millis(request.ttl.max(request.lock_ttl)))
                .arg(if request.rerun_abandoned { "1" } else { "0" })
                .invoke_async(&mut connection)
                .await
                .map_err(store_error)?;
            Ok(match parse_claim(&reply)? {
                Claim::Started(_) => Claim::Started(token),
                other => other,
            })
        })
    }

    fn renew<'a>(
        &'a self,
        key: &'a str,
        token: LockToken,
        lock_ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, IdempotencyStoreError>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let renewed: i64 = self
                .scripts
                .renew
                .key(self.record(key))
                .arg(token.hex())
                .arg(millis(lock_ttl))
                .invoke_async(&mut connection)
                .await
                .map_err(store_error)?;
            Ok(renewed == 1)
        })
    }

    fn complete<'a>(
        &'a self,
        key: &'a str,
        token: LockToken,
        response: &'a StoredResponse,
        ttl: Duration,
    ) -> BoxFuture<'a, Result<bool, IdempotencyStoreError>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let stored: i64 = self
                .scripts
                .complete
                .key(self.record(key))
                .arg(token.hex())
                .arg(response.status)
                .arg(response.encode_headers())
                .arg(response.body.as_deref().unwrap_or_default())
                .arg(if response.body.is_some() { "1" } else { "0" })
                .arg(millis(ttl))
                .invoke_async(&mut connection)
                .await
                .map_err(store_error)?;
            Ok(stored == 1)
        })
    }

    fn release<'a>(&'a self, key: &'a str, token: LockToken) -> BoxFuture<'a, Result<bool, IdempotencyStoreError>> {
        Box::pin(async move {
            let mut connection = self.connection.clone();
            let released: i64 = self
                .scripts
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
