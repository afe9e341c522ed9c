//! The Redis replay store (feature `redis`): shared by every process that
//! receives the same webhooks.

use std::fmt;
use std::sync::{Arc, LazyLock};

use redis::Script;
use redis::aio::ConnectionManager;

use super::{ReplayKeys, ReplayStore, ReplayStoreError, Sighting};
use crate::store::BoxFuture;

/// The key prefix of [`RedisReplayStore::new`]: `apishield:webhook:`.
const DEFAULT_PREFIX: &str = "apishield:webhook:";

/// Check-and-record in one atomic step: a script runs alone on the server,
/// so two instances receiving the same event at once cannot both see it as
/// new. `KEYS[1]` is the event id's key, `KEYS[2]` (`X-Webhook` profile)
/// the signature's, whose value is the event id it was accepted under;
/// `ARGV[1]` the time to live in seconds, `ARGV[2]` the event id. Answers 1
/// if recorded, 0 if the id is recorded or the signature is, under another
/// id.
const RECORD_LUA: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if KEYS[2] then
  local owner = redis.call('GET', KEYS[2])
  if owner and owner ~= ARGV[2] then return 0 end
end
redis.call('SET', KEYS[1], '1', 'EX', ARGV[1])
if KEYS[2] then redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[1]) end
return 1
";

static RECORD: LazyLock<Script> = LazyLock::new(|| Script::new(RECORD_LUA));

/// A replay store in Redis: what several server processes share, so a
/// replay is caught whichever instance it reaches.
///
/// Each record is a key `<prefix>id:<event id>` (and, in the `X-Webhook`
/// profile, `<prefix>mac:<signature>` holding the event id, see
/// [`ReplayKeys::for_each_key`]) with a Redis expiry, so the server
/// forgets records by itself; [`forget`](ReplayStore::forget) deletes the
/// `id:` key only. The keys of one delivery are read and written
/// by one script; on Redis Cluster they must hash to one slot, which a hash
/// tag in the prefix gives (`{webhooks}:`). Use one prefix per sender if
/// several senders might reuse each other's event ids.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// use apishield::webhook::{RedisReplayStore, WebhookSecret, WebhookVerifier};
///
/// let client = redis::Client::open("redis://127.0.0.1:6379")?;
/// let store = RedisReplayStore::new(client.get_connection_manager().await?).prefix("billing:webhooks:");
/// let verifier = WebhookVerifier::standard(WebhookSecret::from_standard("whsec_...")?).store(store);
/// # let _ = verifier; Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisReplayStore {
    conn: ConnectionManager,
    prefix: Arc<str>,
}

impl RedisReplayStore {
    /// A store on `conn` with the keys under `apishield:webhook:`.
    pub fn new(conn: ConnectionManager) -> Self {
        RedisReplayStore { conn, prefix: Arc::from(DEFAULT_PREFIX) }
    }

    /// Puts the keys under `prefix` instead (one per sender if senders may
    /// reuse each other's event ids; a hash tag such as `{webhooks}:` on
    /// Redis Cluster).
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = Arc::from(prefix.into());
        self
    }

    fn keys(&self, keys: &ReplayKeys) -> Vec<String> {
        let mut full = Vec::with_capacity(2);
        keys.for_each_key(&self.prefix, |key| full.push(key.to_owned()));
        full
    }
}

impl fmt::Debug for RedisReplayStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisReplayStore").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

impl ReplayStore for RedisReplayStore {
    fn record<'a>(
        &'a self,
        keys: &'a ReplayKeys,
        _now: i64,
        ttl_secs: u64,
    ) -> BoxFuture<'a, Result<Sighting, ReplayStoreError>> {
        let mut invocation = RECORD.prepare_invoke();
        for key in self.keys(keys) {
            invocation.key(key);
        }
        // Redis refuses `EX 0`; a record always lives at least a second.
        invocation.arg(ttl_secs.max(1)).arg(keys.event_id());
        let mut conn = self.conn.clone();
        Box::pin(async move {
            let recorded: i64 = invocation.invoke_async(&mut conn).await.map_err(ReplayStoreError::new)?;
            Ok(if recorded == 1 { Sighting::First } else { Sighting::Repeat })
        })
    }

    fn forget<'a>(&'a self, keys: &'a ReplayKeys) -> BoxFuture<'a, Result<(), ReplayStoreError>> {
        // The id's key only: the signature stays bound to it.
        let id_key = keys.id_key(&self.prefix);
        let mut conn = self.conn.clone();
        Box::pin(async move {
            redis::cmd("DEL").arg(&id_key).query_async::<()>(&mut conn).await.map_err(ReplayStoreError::new)
        })
    }
}
