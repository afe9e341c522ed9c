//! The `IdempotencyKey` extractor: the client's key, scoped to its caller.

use std::fmt;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, MatchedPath, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderName, Method};
use sha2::{Digest, Sha256};

use super::Idempotency;
use crate::auth::Principal;
use crate::axum::ApiError;
use crate::idempotency::{Fingerprint, KeyError, parse_key};
use crate::telemetry;

/// The client's `Idempotency-Key`, scoped to the authenticated caller
/// ([`Principal::caller`], issuer and subject), the method and the route:
/// one client's key never replays another client's response, nor another
/// endpoint's.
///
/// Extraction fails with 400 for a missing or malformed key and 401 without
/// a principal (idempotent endpoints are mutations of someone's resources).
/// The store and limits come from the router's state
/// (`Idempotency: FromRef<S>`, see [`Idempotency`]).
#[derive(Clone)]
pub struct IdempotencyKey(Arc<KeyParts>);

/// What [`IdempotencyKey`] holds, behind one `Arc`: the `#[idempotent]`
/// flow and the handler both hold the key, and a copy costs a count, not
/// five strings.
struct KeyParts {
    key: String,
    record: String,
    owner: String,
    method: Method,
    path: String,
    query: Option<String>,
    config: Idempotency,
}

impl fmt::Debug for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let k = &*self.0;
        f.debug_struct("IdempotencyKey")
            .field("key", &k.key)
            .field("record", &k.record)
            .field("owner", &k.owner)
            .field("method", &k.method)
            .field("path", &k.path)
            .field("query", &k.query)
            .field("config", &k.config)
            .finish()
    }
}

impl IdempotencyKey {
    /// The key as the client sent it.
    pub fn as_str(&self) -> &str {
        &self.0.key
    }

    /// The record's name in the store.
    pub(super) fn record(&self) -> &str {
        &self.0.record
    }

    /// The caller's key, who owns the record.
    pub(super) fn owner(&self) -> &str {
        &self.0.owner
    }

    /// The route's idempotency configuration.
    pub(super) fn config(&self) -> &Idempotency {
        &self.0.config
    }

    /// The request's fingerprint: its method, concrete path, query string
    /// and body. The same key with any of them different is 422.
    pub(super) fn fingerprint(&self, body: &[u8]) -> Fingerprint {
        let k = &*self.0;
        let mut hasher = Sha256::new();
        length_prefixed(&mut hasher, k.method.as_str().as_bytes());
        length_prefixed(&mut hasher, k.path.as_bytes());
        match &k.query {
            // `/a` and `/a?` are different targets.
            None => hasher.update([0]),
            Some(query) => {
                hasher.update([1]);
                length_prefixed(&mut hasher, query.as_bytes());
            }
        }
        length_prefixed(&mut hasher, body);
        hasher.finalize().into()
    }
}

/// The request header, as a name: looked up by a `&str`, it was parsed
/// again on every request.
const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

fn length_prefixed(hasher: &mut Sha256, part: &[u8]) {
    hasher.update((part.len() as u64).to_le_bytes());
    hasher.update(part);
}

impl<S> FromRequestParts<S> for IdempotencyKey
where
    S: Send + Sync,
    Idempotency: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let mut values = parts.headers.get_all(IDEMPOTENCY_KEY).iter();
        let key = match (values.next(), values.next()) {
            (None, _) => Err(KeyError::Missing),
            (Some(_), Some(_)) => Err(KeyError::Malformed),
            (Some(value), None) => parse_key(value.as_bytes()),
        };
        let key = key.map_err(|e| match e {
            KeyError::Missing => {
                telemetry::idempotency(telemetry::Idempotency::KeyMissing, None);
                ApiError::bad_request("idempotency_key_missing")
            }
            KeyError::Malformed => {
                telemetry::idempotency(telemetry::Idempotency::KeyMalformed, None);
                ApiError::bad_request("idempotency_key_malformed")
            }
        })?;
        let principal = parts.extensions.get::<Principal>().ok_or_else(ApiError::unauthorized)?;
        // By the caller, not the holder: an API key acts for its owner, and
        // renaming records would lose the ones in flight across an upgrade.
        let owner = principal.caller().key();
        let route = parts.extensions.get::<MatchedPath>().map_or_else(|| parts.uri.path(), MatchedPath::as_str);
        // The record's name: every part length-prefixed (the caller's key
        // is already), so distinct (caller, method, route, key) tuples can
        // never share a record.
        let mut record = String::with_capacity(32 + owner.len() + route.len() + key.len());
        record.push_str(&owner);
        let mut digits = itoa::Buffer::new();
        for part in [parts.method.as_str(), route, key] {
            // Written in place: `to_string` was an allocation per part, and
            // `write!` most of the rest.
            record.push_str(digits.format(part.len()));
            record.push(':');
            record.push_str(part);
            record.push('|');
        }
        let config = Idempotency::from_ref(state);
        // A nested router sees its path without the prefix; the request's
        // target is the whole one.
        let target = parts.extensions.get::<OriginalUri>().map_or(&parts.uri, |original| &original.0);
        Ok(IdempotencyKey(Arc::new(KeyParts {
            key: key.to_owned(),
            record,
            owner,
            method: parts.method.clone(),
            path: target.path().to_owned(),
            query: target.query().map(str::to_owned),
            config,
        })))
    }
}
