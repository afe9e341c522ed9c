//! The Redis store (feature `redis`): shared by every server process.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use redis::Script;
use redis::aio::ConnectionManager;

use super::error::ApiKeyError;
use super::hash::ApiKeyHash;
use super::key::{ApiKeyEnvironment, ApiKeyKind};
use super::record::{ApiKeyRecord, StoredApiKey};
use super::store::{ApiKeyStore, ApiKeyStoreError};
use crate::store::BoxFuture;
use crate::time::secs;

/// The key prefix of [`RedisApiKeyStore::new`]: `apishield:apikey:`.
const DEFAULT_PREFIX: &str = "apishield:apikey:";

/// How long Redis keeps a record after the key expired: 7 days, during which
/// the key is refused as expired (a clearer log line than "unknown") before
/// Redis deletes it by itself.
pub(crate) const EXPIRED_RETENTION: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// `KEYS[1]` the record; `ARGV[1]` its EXPIREAT; then field, value pairs.
const INSERT_LUA: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
redis.call('EXPIREAT', KEYS[1], ARGV[1])
return 1
";

/// `KEYS[1]` the record; `ARGV[1]` the revocation time.
const REVOKE_LUA: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local earlier = tonumber(redis.call('HGET', KEYS[1], 'revoked_at'))
if earlier == nil or tonumber(ARGV[1]) < earlier then
  redis.call('HSET', KEYS[1], 'revoked_at', ARGV[1])
end
return 1
";

/// `KEYS[1]` the old record, `KEYS[2]` the new; `ARGV[1]` the old record's
/// new expiry, `ARGV[2]` the new record's EXPIREAT, `ARGV[3]` the retention
/// in seconds, `ARGV[4]` the rotation time; then the new record's field,
/// value pairs. One script, so no other client sees the new key without the
/// old one's shortened expiry, and of concurrent rotations of one key only
/// the first finds no `rotated_at` mark.
const ROTATE_LUA: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('HEXISTS', KEYS[1], 'revoked_at') == 1 then return 0 end
if redis.call('HEXISTS', KEYS[1], 'rotated_at') == 1 then return 0 end
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
local current = tonumber(redis.call('HGET', KEYS[1], 'expires_at'))
if current == nil then return 0 end
local wanted = tonumber(ARGV[1])
if wanted < current then
  redis.call('HSET', KEYS[1], 'expires_at', ARGV[1])
  redis.call('EXPIREAT', KEYS[1], wanted + tonumber(ARGV[3]))
end
redis.call('HSET', KEYS[1], 'rotated_at', ARGV[4])
redis.call('HSET', KEYS[2], unpack(ARGV, 5))
redis.call('EXPIREAT', KEYS[2], ARGV[2])
return 1
";

static INSERT: LazyLock<Script> = LazyLock::new(|| Script::new(INSERT_LUA));
static REVOKE: LazyLock<Script> = LazyLock::new(|| Script::new(REVOKE_LUA));
static ROTATE: LazyLock<Script> = LazyLock::new(|| Script::new(ROTATE_LUA));

/// API-key records in Redis, one hash per key at `<prefix><sha256 hex>`
/// with fields `display_prefix`, `kind`, `environment`, `owner`, `scopes`
/// (space-separated), `created_at`, `expires_at`, once rotated `rotated_at`
/// and, once revoked, `revoked_at`. Each record expires in Redis 7 days after the key
/// itself (it is refused as expired meanwhile). Writes are Lua scripts, so insert, revoke and rotate are
/// atomic; on Redis Cluster put a hash tag in the prefix (`{apikeys}:`) so a
/// rotation's two records share a slot.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use apishield::auth::api_key::{ApiKeyEnvironment, ApiKeyVerifier, RedisApiKeyStore};
///
/// let client = redis::Client::open("redis://127.0.0.1:6379")?;
/// let store = RedisApiKeyStore::new(client.get_connection_manager().await?).prefix("billing:apikeys:");
/// let verifier = ApiKeyVerifier::new(store, ApiKeyEnvironment::Live);
/// # let _ = verifier; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisApiKeyStore {
    conn: ConnectionManager,
    prefix: Arc<str>,
}

impl RedisApiKeyStore {
    /// A store on `conn` with the keys under `apishield:apikey:`.
    pub fn new(conn: ConnectionManager) -> Self {
        RedisApiKeyStore { conn, prefix: Arc::from(DEFAULT_PREFIX) }
    }

    /// Puts the keys under `prefix` instead (a hash tag such as
    /// `{apikeys}:` on Redis Cluster, so a rotation's two records share a
    /// slot).
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Arc::from(prefix.into());
        self
    }

    fn key(&self, hash: &ApiKeyHash) -> String {
        format!("{}{}", self.prefix, hash.to_hex())
    }
}

impl fmt::Debug for RedisApiKeyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisApiKeyStore").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

/// The record's fields as Redis hash field, value pairs (`revoked_at` and
/// `rotated_at` only when set).
fn fields(record: &ApiKeyRecord) -> Vec<(&'static str, String)> {
    let mut fields = vec![
        ("display_prefix", record.display_prefix().to_owned()),
        ("kind", record.kind().as_str().to_owned()),
        ("environment", record.environment().as_str().to_owned()),
        ("owner", record.owner().to_owned()),
        ("scopes", record.scopes().collect::<Vec<_>>().join(" ")),
        ("created_at", record.created_at().to_string()),
        ("expires_at", record.expires_at().to_string()),
    ];
    if let Some(at) = record.revoked_at() {
        fields.push(("revoked_at", at.to_string()));
    }
    if let Some(at) = record.rotated_at() {
        fields.push(("rotated_at", at.to_string()));
    }
    fields
}

fn expire_at(record: &ApiKeyRecord) -> i64 {
    record.expires_at().saturating_add(secs(EXPIRED_RETENTION))
}

/// A record from its Redis hash; `None` for an absent key.
fn parse(hash: &ApiKeyHash, mut map: HashMap<String, String>) -> Result<Option<ApiKeyRecord>, ApiKeyStoreError> {
    if map.is_empty() {
        return Ok(None);
    }
    let invalid = || ApiKeyStoreError::new(ApiKeyError::InvalidRecord);
    let mut take = |name: &str| map.remove(name).ok_or_else(invalid);
    let number = |text: String| text.parse::<i64>().map_err(|_| invalid());
    let stored = StoredApiKey {
        hash: *hash,
        display_prefix: take("display_prefix")?,
        kind: ApiKeyKind::from_name(&take("kind")?).ok_or_else(invalid)?,
        environment: ApiKeyEnvironment::from_name(&take("environment")?).ok_or_else(invalid)?,
        owner: take("owner")?,
        scopes: take("scopes")?.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        created_at: number(take("created_at")?)?,
        expires_at: number(take("expires_at")?)?,
        revoked_at: take("revoked_at").ok().map(number).transpose()?,
        rotated_at: take("rotated_at").ok().map(number).transpose()?,
    };
    ApiKeyRecord::try_from(stored).map(Some).map_err(ApiKeyStoreError::new)
}

impl ApiKeyStore for RedisApiKeyStore {
    fn get<'a>(&'a self, hash: &'a ApiKeyHash) -> BoxFuture<'a, Result<Option<ApiKeyRecord>, ApiKeyStoreError>> {
        let key = self.key(hash);
        let hash = *hash;
        let mut conn = self.conn.clone();
        Box::pin(async move {
            let map: HashMap<String, String> =
                redis::cmd("HGETALL").arg(&key).query_async(&mut conn).await.map_err(ApiKeyStoreError::new)?;
            parse(&hash, map)
        })
    }

    fn insert<'a>(&'a self, record: &'a ApiKeyRecord) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
        let mut invocation = INSERT.prepare_invoke();
        invocation.key(self.key(record.hash())).arg(expire_at(record));
        for (name, value) in fields(record) {
            invocation.arg(name).arg(value);
        }
        let mut conn = self.conn.clone();
        Box::pin(async move {
            let inserted: i64 = invocation.invoke_async(&mut conn).await.map_err(ApiKeyStoreError::new)?;
            Ok(inserted == 1)
        })
    }

    fn revoke<'a>(&'a self, hash: &'a ApiKeyHash, at: i64) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
        let mut invocation = REVOKE.prepare_invoke();
        invocation.key(self.key(hash)).arg(at);
        let mut conn = self.conn.clone();
        Box::pin(async move {
            let found: i64 = invocation.invoke_async(&mut conn).await.map_err(ApiKeyStoreError::new)?;
            Ok(found == 1)
        })
    }

    fn rotate<'a>(
        &'a self,
        old: &'a ApiKeyHash,
        new: &'a ApiKeyRecord,
        old_expires_at: i64,
    ) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
        let mut invocation = ROTATE.prepare_invoke();
        invocation
            .key(self.key(old))
            .key(self.key(new.hash()))
            .arg(old_expires_at)
            .arg(expire_at(new))
            .arg(secs(EXPIRED_RETENTION))
            .arg(new.created_at());
        for (name, value) in fields(new) {
            invocation.arg(name).arg(value);
        }
        let mut conn = self.conn.clone();
        Box::pin(async move {
            let rotated: i64 = invocation.invoke_async(&mut conn).await.map_err(ApiKeyStoreError::new)?;
            Ok(rotated == 1)
        })
    }
}
