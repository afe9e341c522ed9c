//! The Redis stores (feature `redis`): refresh tokens (each rotation one
//! Lua script, one round trip) and the access-token denylist.

use std::fmt;
use std::sync::{Arc, LazyLock};

use redis::Script;
use redis::aio::ConnectionManager;

use super::denylist::{AccessTokenDenylist, DENYLIST_GRACE};
use super::error::TokenStoreError;
use super::family::{FamilyId, IssuedAccess, RefreshRecord, Rotation};
use super::refresh::RefreshTokenHash;
use super::store::RefreshTokenStore;
use crate::auth::CallerId;
use crate::store::BoxFuture;
use crate::time::secs;

/// The key prefix of [`RedisRefreshTokenStore::new`]: `apishield:rt:`.
const DEFAULT_PREFIX: &str = "apishield:rt:";

/// The key prefix of [`RedisDenylist::new`]: `apishield:jti:`.
const DEFAULT_DENYLIST_PREFIX: &str = "apishield:jti:";

/// `KEYS[1]` the token, `KEYS[2]` its family; `ARGV[1]` the session's end
/// (both keys' EXPIREAT), `ARGV[2]`, `ARGV[3]` the access token's jti and
/// exp; then the token's field, value pairs.
const INSERT_LUA: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 4))
redis.call('EXPIREAT', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[2], 'session_expires_at', ARGV[1], 'a:' .. ARGV[2], ARGV[3])
redis.call('EXPIREAT', KEYS[2], ARGV[1])
return 1
";

/// `KEYS[1]` the token; `ARGV[1]` the family key prefix. Answers the
/// token's field, value pairs after a revocation flag ('1' or '0'), or
/// nothing.
const GET_LUA: &str = r"
local fields = redis.call('HGETALL', KEYS[1])
if #fields == 0 then return {} end
local family = redis.call('HGET', KEYS[1], 'family')
local fkey = ARGV[1] .. family
local revoked = '0'
if redis.call('EXISTS', fkey) == 0 or redis.call('HEXISTS', fkey, 'revoked_at') == 1 then revoked = '1' end
table.insert(fields, 1, revoked)
return fields
";

/// `KEYS[1]` the presented token, `KEYS[2]` its successor; `ARGV[1]` the
/// client, `ARGV[2]` now, `ARGV[3]` the lifetime, `ARGV[4]` the family key
/// prefix, `ARGV[5]`, `ARGV[6]` the new access token's jti and exp. Answers `{status, family}` or, once rotated,
/// `{'rotated', '', old token's field, value pairs}`. One script: of
/// concurrent rotations of one token only the first finds no `rotated_at`.
/// The family keeps its access tokens as fields `a:<jti>` = exp, those
/// expired removed at each rotation (and the single `access_jti`,
/// `access_exp` pair of records written before, moved to that form).
const ROTATE_LUA: &str = r"
local flat = redis.call('HGETALL', KEYS[1])
if #flat == 0 then return {'unknown', ''} end
local r = {}
for i = 1, #flat, 2 do r[flat[i]] = flat[i + 1] end
local fkey = ARGV[4] .. r['family']
if redis.call('EXISTS', fkey) == 0 or redis.call('HEXISTS', fkey, 'revoked_at') == 1 then
  return {'revoked', r['family']}
end
if r['rotated_at'] then
  redis.call('HSET', fkey, 'revoked_at', ARGV[2])
  return {'reused', r['family']}
end
if r['client'] ~= ARGV[1] then
  redis.call('HSET', fkey, 'revoked_at', ARGV[2])
  return {'wrong_client', r['family']}
end
local now = tonumber(ARGV[2])
if now >= tonumber(r['expires_at']) or redis.call('EXISTS', KEYS[2]) == 1 then return {'expired', r['family']} end
local session = tonumber(r['session_expires_at'])
local expires = math.min(now + tonumber(ARGV[3]), session)
redis.call('HSET', KEYS[1], 'rotated_at', ARGV[2])
local copy = {}
for name, value in pairs(r) do
  if name ~= 'rotated_at' and name ~= 'issued_at' and name ~= 'expires_at' then
    table.insert(copy, name)
    table.insert(copy, value)
  end
end
redis.call('HSET', KEYS[2], 'issued_at', ARGV[2], 'expires_at', string.format('%d', expires), unpack(copy))
redis.call('EXPIREAT', KEYS[2], r['session_expires_at'])
local legacy = redis.call('HMGET', fkey, 'access_jti', 'access_exp')
if legacy[1] and legacy[2] then redis.call('HSET', fkey, 'a:' .. legacy[1], legacy[2]) end
redis.call('HDEL', fkey, 'access_jti', 'access_exp')
local family = redis.call('HGETALL', fkey)
for i = 1, #family, 2 do
  if string.sub(family[i], 1, 2) == 'a:' and tonumber(family[i + 1]) <= now then redis.call('HDEL', fkey, family[i]) end
end
redis.call('HSET', fkey, 'a:' .. ARGV[5], ARGV[6])
table.insert(flat, 1, '')
table.insert(flat, 1, 'rotated')
return flat
";

/// `KEYS[1]` the family; `ARGV[1]` now.
const REVOKE_LUA: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[1], 'revoked_at') == 0 then redis.call('HSET', KEYS[1], 'revoked_at', ARGV[1]) end
return 1
";

static INSERT: LazyLock<Script> = LazyLock::new(|| Script::new(INSERT_LUA));
static GET: LazyLock<Script> = LazyLock::new(|| Script::new(GET_LUA));
static ROTATE: LazyLock<Script> = LazyLock::new(|| Script::new(ROTATE_LUA));
static REVOKE: LazyLock<Script> = LazyLock::new(|| Script::new(REVOKE_LUA));

/// Refresh-token records in Redis: `<prefix>t:<sha256 hex>` (a hash: `family`,
/// `issuer` for an external caller, `subject`, `client`, `scopes`, `roles`,
/// `issued_at`, `expires_at`, `session_expires_at`, once rotated
/// `rotated_at`) and `<prefix>f:<family>` (`session_expires_at`, once
/// revoked `revoked_at`). Every key expires in Redis when its session ends.
///
/// A rotation is one Lua script, one round trip: the reuse check, the
/// family's revocation and the successor's record are one atomic step. The
/// script reads the family key named in the token's record; on Redis
/// Cluster put a hash tag in the prefix (`{tokens}:`) so a family's keys
/// share a slot.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use apishield::auth::token::RedisRefreshTokenStore;
///
/// let client = redis::Client::open("redis://127.0.0.1:6379")?;
/// let store = RedisRefreshTokenStore::new(client.get_connection_manager().await?).prefix("shop:rt:");
/// # let _ = store; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisRefreshTokenStore {
    conn: ConnectionManager,
    prefix: Arc<str>,
}

impl RedisRefreshTokenStore {
    /// A store on `conn` with the keys under `apishield:rt:`.
    pub fn new(conn: ConnectionManager) -> Self {
        RedisRefreshTokenStore { conn, prefix: Arc::from(DEFAULT_PREFIX) }
    }

    /// Puts the keys under `prefix` instead.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Arc::from(prefix.into());
        self
    }

    fn token_key(&self, hash: &RefreshTokenHash) -> String {
        format!("{}t:{}", self.prefix, hash.to_hex())
    }

    fn family_prefix(&self) -> String {
        format!("{}f:", self.prefix)
    }
}

impl fmt::Debug for RedisRefreshTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisRefreshTokenStore").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

fn store_error(e: redis::RedisError) -> TokenStoreError {
    tracing::warn!(error = %e, "refresh token store unavailable");
    TokenStoreError::new("redis is unavailable")
}

fn fields(record: &RefreshRecord) -> Vec<(&'static str, String)> {
    let caller = record.caller.as_caller();
    let mut fields = vec![
        ("family", record.family.to_hex()),
        ("subject", caller.subject().to_owned()),
        ("client", record.client.clone()),
        ("scopes", record.scopes.join(" ")),
        ("roles", record.roles.join(" ")),
        ("issued_at", record.issued_at.to_string()),
        ("expires_at", record.expires_at.to_string()),
        ("session_expires_at", record.session_expires_at.to_string()),
    ];
    if let Some(issuer) = caller.issuer() {
        fields.push(("issuer", issuer.to_owned()));
    }
    if let Some(at) = record.rotated_at {
        fields.push(("rotated_at", at.to_string()));
    }
    fields
}

/// A record from its field, value pairs.
fn parse(hash: RefreshTokenHash, flat: &[String]) -> Result<RefreshRecord, TokenStoreError> {
    let get = |name: &str| flat.chunks_exact(2).find(|pair| pair[0] == name).map(|pair| pair[1].as_str());
    let invalid = || TokenStoreError::new("invalid refresh token record");
    let number = |name: &str| get(name).and_then(|v| v.parse::<i64>().ok()).ok_or_else(invalid);
    let list = |name: &str| get(name).unwrap_or("").split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect();
    let subject = get("subject").ok_or_else(invalid)?;
    Ok(RefreshRecord {
        hash,
        family: get("family").and_then(FamilyId::from_hex).ok_or_else(invalid)?,
        caller: match get("issuer") {
            Some(issuer) => CallerId::external(issuer, subject),
            None => CallerId::home(subject),
        },
        client: get("client").ok_or_else(invalid)?.to_owned(),
        scopes: list("scopes"),
        roles: list("roles"),
        issued_at: number("issued_at")?,
        expires_at: number("expires_at")?,
        session_expires_at: number("session_expires_at")?,
        rotated_at: get("rotated_at").map(|v| v.parse::<i64>().map_err(|_| invalid())).transpose()?,
    })
}

/// The access tokens among a family hash's fields (`a:<jti>` = exp, or the
/// one `access_jti`, `access_exp` pair of a record written before) that
/// have not expired at `now`.
fn live_access(fields: &[(String, String)], now: i64) -> Vec<IssuedAccess> {
    let field = |name: &str| fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    let legacy = field("access_jti").zip(field("access_exp"));
    let listed = fields.iter().filter_map(|(name, exp)| Some((name.strip_prefix("a:")?, exp.as_str())));
    legacy
        .into_iter()
        .chain(listed)
        .filter_map(|(jti, exp)| Some(IssuedAccess { jti: jti.to_owned(), expires_at: exp.parse().ok()? }))
        .filter(|access| access.expires_at > now)
        .collect()
}

impl RefreshTokenStore for RedisRefreshTokenStore {
    fn insert<'a>(
        &'a self,
        record: &'a RefreshRecord,
        access: &'a IssuedAccess,
    ) -> BoxFuture<'a, Result<bool, TokenStoreError>> {
        let mut invocation = INSERT.prepare_invoke();
        invocation
            .key(self.token_key(&record.hash))
            .key(format!("{}{}", self.family_prefix(), record.family.to_hex()))
            .arg(record.session_expires_at)
            .arg(&access.jti)
            .arg(access.expires_at);
        for (name, value) in fields(record) {
            invocation.arg(name).arg(value);
        }
        let mut conn = self.conn.clone();
        Box::pin(async move {
            let inserted: i64 = invocation.invoke_async(&mut conn).await.map_err(store_error)?;
            Ok(inserted == 1)
        })
    }

    fn get<'a>(
        &'a self,
        hash: &'a RefreshTokenHash,
    ) -> BoxFuture<'a, Result<Option<(RefreshRecord, bool)>, TokenStoreError>> {
        let mut invocation = GET.prepare_invoke();
        invocation.key(self.token_key(hash)).arg(self.family_prefix());
        let mut conn = self.conn.clone();
        let hash = *hash;
        Box::pin(async move {
            let flat: Vec<String> = invocation.invoke_async(&mut conn).await.map_err(store_error)?;
            let Some((revoked, fields)) = flat.split_first() else { return Ok(None) };
            Ok(Some((parse(hash, fields)?, revoked == "1")))
        })
    }

    fn rotate<'a>(
        &'a self,
        old: &'a RefreshTokenHash,
        client: &'a str,
        new: &'a RefreshTokenHash,
        now: i64,
        lifetime_secs: i64,
        access: &'a IssuedAccess,
    ) -> BoxFuture<'a, Result<Rotation, TokenStoreError>> {
        let mut invocation = ROTATE.prepare_invoke();
        invocation
            .key(self.token_key(old))
            .key(self.token_key(new))
            .arg(client)
            .arg(now)
            .arg(lifetime_secs)
            .arg(self.family_prefix())
            .arg(&access.jti)
            .arg(access.expires_at);
        let mut conn = self.conn.clone();
        let (old, new) = (*old, *new);
        Box::pin(async move {
            let answer: Vec<String> = invocation.invoke_async(&mut conn).await.map_err(store_error)?;
            let invalid = || TokenStoreError::new("invalid rotation answer");
            let (status, rest) = answer.split_first().ok_or_else(invalid)?;
            let family = || rest.first().and_then(|f| FamilyId::from_hex(f)).ok_or_else(invalid);
            Ok(match status.as_str() {
                "unknown" => Rotation::Unknown,
                "revoked" => Rotation::Revoked,
                "expired" => Rotation::Expired,
                "reused" => Rotation::Reused(family()?),
                "wrong_client" => Rotation::WrongClient(family()?),
                "rotated" => {
                    let record = parse(old, rest.get(1..).ok_or_else(invalid)?)?;
                    Rotation::Rotated(record.successor(new, now, lifetime_secs))
                }
                _ => return Err(invalid()),
            })
        })
    }

    fn live_access<'a>(
        &'a self,
        family: &'a FamilyId,
        now: i64,
    ) -> BoxFuture<'a, Result<Vec<IssuedAccess>, TokenStoreError>> {
        let key = format!("{}{}", self.family_prefix(), family.to_hex());
        let mut conn = self.conn.clone();
        Box::pin(async move {
            let fields: Vec<(String, String)> =
                redis::cmd("HGETALL").arg(&key).query_async(&mut conn).await.map_err(store_error)?;
            Ok(live_access(&fields, now))
        })
    }

    fn revoke_family<'a>(&'a self, family: &'a FamilyId, now: i64) -> BoxFuture<'a, Result<bool, TokenStoreError>> {
        let mut invocation = REVOKE.prepare_invoke();
        invocation.key(format!("{}{}", self.family_prefix(), family.to_hex())).arg(now);
        let mut conn = self.conn.clone();
        Box::pin(async move {
            let found: i64 = invocation.invoke_async(&mut conn).await.map_err(store_error)?;
            Ok(found == 1)
        })
    }
}

/// Denied access-token `jti`s in Redis: `SET <prefix><jti> 1 EXAT <exp +
/// grace>`, so Redis forgets an entry when its token could no longer be
/// accepted; a check is one `EXISTS`.
#[derive(Clone)]
pub struct RedisDenylist {
    conn: ConnectionManager,
    prefix: Arc<str>,
}

impl RedisDenylist {
    /// A denylist on `conn` with the keys under `apishield:jti:`.
    pub fn new(conn: ConnectionManager) -> Self {
        RedisDenylist { conn, prefix: Arc::from(DEFAULT_DENYLIST_PREFIX) }
    }

    /// Puts the keys under `prefix` instead.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Arc::from(prefix.into());
        self
    }
}

impl fmt::Debug for RedisDenylist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisDenylist").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl AccessTokenDenylist for RedisDenylist {
    fn deny<'a>(&'a self, jti: &'a str, expires_at: i64) -> BoxFuture<'a, Result<(), TokenStoreError>> {
        let key = format!("{}{jti}", self.prefix);
        let until = expires_at.saturating_add(secs(DENYLIST_GRACE)).max(1);
        let mut conn = self.conn.clone();
        Box::pin(async move {
            redis::cmd("SET")
                .arg(&key)
                .arg(1)
                .arg("EXAT")
                .arg(until)
                .query_async::<()>(&mut conn)
                .await
                .map_err(store_error)
        })
    }

    fn is_denied<'a>(&'a self, jti: &'a str) -> BoxFuture<'a, Result<bool, TokenStoreError>> {
        let key = format!("{}{jti}", self.prefix);
        let mut conn = self.conn.clone();
        Box::pin(async move {
            let found: i64 = redis::cmd("EXISTS").arg(&key).query_async(&mut conn).await.map_err(store_error)?;
            Ok(found == 1)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(n, v)| ((*n).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn a_familys_live_access_tokens_are_its_unexpired_ones_old_records_included() {
        let family = fields(&[
            ("session_expires_at", "9000"),
            ("access_jti", "legacy"),
            ("access_exp", "2000"),
            ("a:old", "999"),
            ("a:one", "1500"),
            ("a:two", "1600"),
            ("a:broken", "soon"),
            ("revoked_at", "1200"),
        ]);
        let jtis: Vec<String> = live_access(&family, 1000).into_iter().map(|a| a.jti).collect();
        assert_eq!(jtis, ["legacy", "one", "two"]);
        assert!(live_access(&family, 2000).is_empty());
    }
}
