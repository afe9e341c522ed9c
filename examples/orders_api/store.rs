//! The service's data (users' profiles, orders, payments, the index of each
//! user's API keys): JSON records and sets of ids, in this process's memory
//! or in Redis.
//!
//! With Redis, every instance on the same prefix sees the same data, so a
//! payment for an order created through one instance can be made through
//! another. A real service keeps this in its database; the shape (get, put,
//! a counter for ids, an index per owner) is what to replace.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, PoisonError};

use apishield::axum::ApiError;
use redis::AsyncCommands as _;
use redis::aio::ConnectionManager;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The data store: memory or Redis. Clones share it.
#[derive(Clone)]
pub enum Data {
    /// This process's memory.
    Memory(Arc<Mutex<MemoryData>>),
    /// Redis, every key under `prefix`.
    Redis {
        /// The connection (it reconnects by itself).
        conn: ConnectionManager,
        /// `<service prefix>data:`.
        prefix: Arc<str>,
    },
}

impl std::fmt::Debug for Data {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Data::Memory(_) => f.write_str("Data::Memory"),
            Data::Redis { prefix, .. } => f.debug_struct("Data::Redis").field("prefix", prefix).finish(),
        }
    }
}

/// The in-memory data.
#[derive(Debug, Default)]
pub struct MemoryData {
    records: HashMap<String, String>,
    sets: HashMap<String, BTreeSet<String>>,
    counters: HashMap<String, u64>,
}

/// The store failed (Redis unreachable, a record that does not parse).
/// Answered 503; the cause is logged, never sent.
#[derive(Debug)]
pub struct StoreError(String);

impl std::fmt::Display for StoreError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "data store: {}", self.0)
    }
}

impl std::error::Error for StoreError {}

impl From<redis::RedisError> for StoreError {
    fn from(error: redis::RedisError) -> Self {
        StoreError(error.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> Self {
        StoreError(error.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        tracing::error!(%error, "data store failed");
        ApiError::unavailable()
    }
}

impl Data {
    /// An empty in-memory store.
    pub fn memory() -> Data {
        Data::Memory(Arc::default())
    }

    /// A Redis store with keys under `prefix`.
    pub fn redis(conn: ConnectionManager, prefix: &str) -> Data {
        Data::Redis { conn, prefix: Arc::from(prefix) }
    }

    fn key(prefix: &str, kind: &str, id: &str) -> String {
        format!("{prefix}{kind}:{id}")
    }

    /// A new id for a record of `kind`: 1, 2, 3, ...
    pub async fn next_id(&self, kind: &str) -> Result<u64, StoreError> {
        match self {
            Data::Memory(data) => {
                let mut data = data.lock().unwrap_or_else(PoisonError::into_inner);
                let counter = data.counters.entry(kind.to_owned()).or_insert(0);
                *counter += 1;
                Ok(*counter)
            }
            Data::Redis { conn, prefix } => Ok(conn.clone().incr(Data::key(prefix, "next", kind), 1u64).await?),
        }
    }

    /// The record of `kind` with this id.
    pub async fn get<T: DeserializeOwned>(&self, kind: &str, id: &str) -> Result<Option<T>, StoreError> {
        let json: Option<String> = match self {
            Data::Memory(data) => {
                data.lock().unwrap_or_else(PoisonError::into_inner).records.get(&format!("{kind}:{id}")).cloned()
            }
            Data::Redis { conn, prefix } => conn.clone().get(Data::key(prefix, kind, id)).await?,
        };
        Ok(json.map(|json| serde_json::from_str(&json)).transpose()?)
    }

    /// Writes the record of `kind` with this id.
    pub async fn put<T: Serialize>(&self, kind: &str, id: &str, record: &T) -> Result<(), StoreError> {
        let json = serde_json::to_string(record)?;
        match self {
            Data::Memory(data) => {
                data.lock().unwrap_or_else(PoisonError::into_inner).records.insert(format!("{kind}:{id}"), json);
            }
            Data::Redis { conn, prefix } => conn.clone().set::<_, _, ()>(Data::key(prefix, kind, id), json).await?,
        }
        Ok(())
    }

    /// Adds `member` to the set `name` (an index: a user's orders).
    pub async fn add(&self, name: &str, member: &str) -> Result<(), StoreError> {
        match self {
            Data::Memory(data) => {
                data.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .sets
                    .entry(name.to_owned())
                    .or_default()
                    .insert(member.to_owned());
            }
            Data::Redis { conn, prefix } => {
                conn.clone().sadd::<_, _, ()>(Data::key(prefix, "set", name), member).await?
            }
        }
        Ok(())
    }

    /// The members of the set `name`, sorted.
    pub async fn members(&self, name: &str) -> Result<Vec<String>, StoreError> {
        Ok(match self {
            Data::Memory(data) => data
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .sets
                .get(name)
                .map(|set| set.iter().cloned().collect())
                .unwrap_or_default(),
            Data::Redis { conn, prefix } => {
                let mut members: Vec<String> = conn.clone().smembers(Data::key(prefix, "set", name)).await?;
                members.sort();
                members
            }
        })
    }
}
