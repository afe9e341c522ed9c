//! Replay protection: where the verifier remembers the events it accepted.
//!
//! A signature proves who sent a delivery, not that it is the first time it
//! arrives: anyone who captured one (a proxy log, a compromised receiver)
//! can send it again, and within the timestamp tolerance it still verifies.
//! The verifier therefore records every accepted event in a [`ReplayStore`]
//! and refuses a second delivery of it with
//! [`WebhookError::Replayed`](super::WebhookError::Replayed).
//!
//! * [`MemoryReplayStore`]: one process (the default);
//! * `RedisReplayStore` (feature `redis`): several processes behind a load
//!   balancer, where a replay may reach another instance than the original.
//!
//! Records are kept for as long as the delivery's signature could still be
//! accepted (its timestamp plus the tolerance) and at least the verifier's
//! retention, twice the tolerance by default; see
//! [`WebhookVerifier::replay_retention`](super::WebhookVerifier::replay_retention).

mod memory;
#[cfg(feature = "redis")]
mod redis;

use std::fmt;
use std::sync::Arc;

use crate::store::BoxFuture;

pub use memory::MemoryReplayStore;
#[cfg(feature = "redis")]
pub use redis::RedisReplayStore;

/// Whether the keys of a delivery had been seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sighting {
    /// None of the keys was recorded; they are now.
    First,
    /// At least one key was already recorded; nothing was written.
    Repeat,
}

/// What identifies one accepted delivery: its event id and, in the
/// `X-Webhook` profile (where the id is not signed), its signature.
///
/// As text (for stores keyed by strings) each key is `id:<event id>` or
/// `mac:<signature in URL-safe base64>`; see [`ReplayKeys::for_each_key`].
/// A store keeps the event id as the value of the `mac:` key (see
/// [`ReplayStore`]).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ReplayKeys {
    event_id: Box<str>,
    signature: Option<[u8; 32]>,
}

impl ReplayKeys {
    pub(crate) fn new(event_id: Box<str>, signature: Option<[u8; 32]>) -> Self {
        ReplayKeys { event_id, signature }
    }

    /// The delivery's event id (visible ASCII without `.`, at most 256 bytes).
    pub fn event_id(&self) -> &str {
        &self.event_id
    }

    /// The delivery's signature, when it is part of the keys (`X-Webhook`
    /// profile only).
    pub fn signature(&self) -> Option<&[u8; 32]> {
        self.signature.as_ref()
    }

    /// `<prefix>id:<event id>`: the first key of [`for_each_key`](Self::for_each_key).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn id_key(&self, prefix: &str) -> String {
        let mut key = String::with_capacity(prefix.len() + 3 + self.event_id.len());
        key.push_str(prefix);
        key.push_str("id:");
        key.push_str(&self.event_id);
        key
    }

    /// Writes each key, `prefix` first, into a reused buffer and hands it to
    /// `f`: `<prefix>id:<event id>`, then `<prefix>mac:<base64url>` if the
    /// signature is a key.
    pub fn for_each_key(&self, prefix: &str, mut f: impl FnMut(&str)) {
        use base64::Engine as _;
        let mut key = String::with_capacity(prefix.len() + 4 + self.event_id.len().max(43));
        key.push_str(prefix);
        key.push_str("id:");
        key.push_str(&self.event_id);
        f(&key);
        if let Some(signature) = &self.signature {
            key.truncate(prefix.len());
            key.push_str("mac:");
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode_string(signature, &mut key);
            f(&key);
        }
    }
}

impl fmt::Debug for ReplayKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayKeys")
            .field("event_id", &self.event_id)
            .field("signature", &self.signature.is_some())
            .finish()
    }
}

/// A store of the deliveries a verifier accepted.
///
/// The verifier hands it the [`ReplayKeys`] of one delivery and how long to
/// keep them. Implementations must check and record **atomically**: two
/// concurrent deliveries of the same event must not both see
/// [`Sighting::First`].
///
/// A signature (`X-Webhook` profile) is recorded *bound to the event id* it
/// was accepted under, and outlives [`forget`](Self::forget): the id is not
/// signed in that profile, so once a delivery was accepted its signature may
/// never again be accepted under another id, whether or not the event was
/// given back for a retry.
///
/// Object safe (see [`crate::store`]): an `Arc<dyn ReplayStore>` is a store,
/// as is an `Arc` of any store.
pub trait ReplayStore: Send + Sync {
    /// Answers [`Sighting::Repeat`], writing nothing, if the event id is
    /// recorded, or if the signature (when `keys` has one) is recorded under
    /// another event id. Otherwise records the id, and the signature bound
    /// to the id, for `ttl_secs` seconds from `now` (Unix seconds, from the
    /// verifier's clock), and answers [`Sighting::First`].
    ///
    /// A signature recorded under the *same* id is no repeat once that id
    /// was forgotten: it is the given-back event itself, resent as it was
    /// signed.
    fn record<'a>(
        &'a self,
        keys: &'a ReplayKeys,
        now: i64,
        ttl_secs: u64,
    ) -> BoxFuture<'a, Result<Sighting, ReplayStoreError>>;

    /// Removes the record of the event id of `keys`, and only that: the
    /// signature's record, bound to the id, stays until it expires (see
    /// [`WebhookVerifier::forget`](super::WebhookVerifier::forget)).
    fn forget<'a>(&'a self, keys: &'a ReplayKeys) -> BoxFuture<'a, Result<(), ReplayStoreError>>;
}

impl<S: ReplayStore + ?Sized> ReplayStore for Arc<S> {
    fn record<'a>(
        &'a self,
        keys: &'a ReplayKeys,
        now: i64,
        ttl_secs: u64,
    ) -> BoxFuture<'a, Result<Sighting, ReplayStoreError>> {
        (**self).record(keys, now, ttl_secs)
    }

    fn forget<'a>(&'a self, keys: &'a ReplayKeys) -> BoxFuture<'a, Result<(), ReplayStoreError>> {
        (**self).forget(keys)
    }
}

/// A replay store failure. The verifier logs it (with `tracing`) and answers
/// [`WebhookError::StoreUnavailable`](super::WebhookError::StoreUnavailable).
pub struct ReplayStoreError(Box<dyn std::error::Error + Send + Sync>);

impl ReplayStoreError {
    /// Wraps the cause of a failure.
    pub fn new(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ReplayStoreError(cause.into())
    }
}

impl fmt::Debug for ReplayStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ReplayStoreError").field(&self.0).finish()
    }
}

impl fmt::Display for ReplayStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "replay store failure: {}", self.0)
    }
}

impl std::error::Error for ReplayStoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}
