//! `#[idempotent]` handlers in axum: the `IdempotencyKey` extractor, the
//! store configuration, and the flow the macro wraps a handler in.

use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::body::{Body, HttpBody};
use axum::extract::{FromRequest, FromRequestParts, MatchedPath, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::key::{KeyError, parse_key};
use super::memory::MemoryIdempotencyStore;
use super::store::{Claim, Fingerprint, IdempotencyStore, StoredResponse};
use crate::auth::Principal;
use crate::axum::ApiError;

/// The largest request body an idempotent handler reads: 1 MiB.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 1024 * 1024;
/// The largest response kept for replay: 1 MiB. A larger one is sent but not
/// kept, and the key is released.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// How long a running request holds its key, by default: 30 s. A request
/// that crashed frees its key after this.
pub const DEFAULT_LOCK_TTL: Duration = Duration::from_secs(30);
/// How long a finished request's response is kept, by default: 24 h.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// The header that marks a replayed response.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// Where idempotent handlers keep their records, and the size limits. Put it
/// on the router as an extension:
/// `router.layer(Idempotency::new(RedisIdempotencyStore::new(conn)).extension())`.
/// Without one, handlers use one in-memory store for the whole process.
#[derive(Clone)]
pub struct Idempotency {
    store: Arc<dyn IdempotencyStore>,
    max_request_bytes: usize,
    max_response_bytes: usize,
}

impl std::fmt::Debug for Idempotency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Idempotency")
            .field("max_request_bytes", &self.max_request_bytes)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl Idempotency {
    /// Records in `store`, with the default limits.
    pub fn new(store: impl IdempotencyStore) -> Self {
        Idempotency {
            store: Arc::new(store),
            max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// Records in this process's memory (`MemoryIdempotencyStore::default()`).
    pub fn memory() -> Self {
        Idempotency::new(MemoryIdempotencyStore::default())
    }

    /// The largest request body read (default 1 MiB).
    #[must_use]
    pub fn max_request_bytes(mut self, bytes: usize) -> Self {
        self.max_request_bytes = bytes;
        self
    }

    /// The largest response kept for replay (default 1 MiB).
    #[must_use]
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// This configuration as a router extension.
    pub fn extension(self) -> axum::Extension<Self> {
        axum::Extension(self)
    }

    fn process_default() -> &'static Idempotency {
        static DEFAULT: OnceLock<Idempotency> = OnceLock::new();
        DEFAULT.get_or_init(Idempotency::memory)
    }
}

/// The client's `Idempotency-Key`, scoped to the authenticated principal, the
/// method and the route: one client's key never replays another client's
/// response, nor another endpoint's.
///
/// Extraction fails with 400 for a missing or malformed key and 401 without
/// a principal (idempotent endpoints are mutations of someone's resources).
#[derive(Debug, Clone)]
pub struct IdempotencyKey {
    key: String,
    record: String,
    method: Method,
    route: String,
    config: Idempotency,
}

impl IdempotencyKey {
    /// The key as the client sent it.
    pub fn as_str(&self) -> &str {
        &self.key
    }
}

fn length_prefixed(hasher: &mut Sha256, part: &[u8]) {
    hasher.update((part.len() as u64).to_le_bytes());
    hasher.update(part);
}

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let mut values = parts.headers.get_all("idempotency-key").iter();
        let key = match (values.next(), values.next()) {
            (None, _) => Err(KeyError::Missing),
            (Some(_), Some(_)) => Err(KeyError::Malformed),
            (Some(value), None) => parse_key(value.as_bytes()),
        };
        let key = key.map_err(|e| match e {
            KeyError::Missing => ApiError::bad_request("idempotency_key_missing"),
            KeyError::Malformed => ApiError::bad_request("idempotency_key_malformed"),
        })?;
        let principal = parts.extensions.get::<Principal>().ok_or_else(ApiError::unauthorized)?;
        let route = parts.extensions.get::<MatchedPath>().map_or_else(|| parts.uri.path(), MatchedPath::as_str);
        // The record's name: every part length-prefixed, so distinct
        // (principal, method, route, key) tuples can never share a record.
        let mut record = String::with_capacity(32 + principal.subject().len() + route.len() + key.len());
        for part in [principal.subject(), parts.method.as_str(), route, key] {
            record.push_str(&part.len().to_string());
            record.push(':');
            record.push_str(part);
            record.push('|');
        }
        let config = parts.extensions.get::<Idempotency>().unwrap_or_else(|| Idempotency::process_default()).clone();
        Ok(IdempotencyKey {
            key: key.to_owned(),
            record,
            method: parts.method.clone(),
            route: route.to_owned(),
            config,
        })
    }
}

fn fingerprint(key: &IdempotencyKey, body: &[u8]) -> Fingerprint {
    let mut hasher = Sha256::new();
    length_prefixed(&mut hasher, key.method.as_str().as_bytes());
    length_prefixed(&mut hasher, key.route.as_bytes());
    length_prefixed(&mut hasher, body);
    hasher.finalize().into()
}

fn replay(stored: StoredResponse) -> Response {
    let mut response = Response::new(Body::from(stored.body));
    *response.status_mut() = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    if let Some(value) = stored.content_type.and_then(|c| HeaderValue::from_str(&c).ok()) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    response
}

/// Responses that must not be replayed: the client should retry them.
fn releases_key(status: StatusCode) -> bool {
    status.is_server_error() || status == StatusCode::REQUEST_TIMEOUT || status == StatusCode::TOO_MANY_REQUESTS
}

/// The flow of an `#[idempotent]` handler: claim the key, run the handler
/// once, keep its response, or answer from the record.
///
/// `request` carries the body when the handler has a body extractor (the
/// macro defers that extractor into `handler`, so the raw body can be
/// fingerprinted first).
#[doc(hidden)]
pub async fn run<F, Fut>(
    key: IdempotencyKey,
    ttl: Duration,
    lock_ttl: Duration,
    request: Option<Request>,
    handler: F,
) -> Response
where
    F: FnOnce(Option<Request>) -> Fut,
    Fut: Future<Output = Response>,
{
    let config = key.config.clone();
    let (request, body) = match request {
        Some(request) => {
            let (parts, body) = request.into_parts();
            match axum::body::to_bytes(body, config.max_request_bytes).await {
                Ok(bytes) => (Some(parts), bytes),
                Err(_) => {
                    return ApiError::with_status(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").into_response();
                }
            }
        }
        None => (None, axum::body::Bytes::new()),
    };
    let fingerprint = fingerprint(&key, &body);
    let token = match config.store.claim(&key.record, fingerprint, lock_ttl).await {
        Ok(Claim::Started(token)) => token,
        Ok(Claim::Replay(stored)) => return replay(stored),
        Ok(Claim::InProgress) => return ApiError::conflict("idempotency_request_in_progress").into_response(),
        Ok(Claim::Mismatch) => {
            return ApiError::with_status(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").into_response();
        }
        Err(e) => {
            tracing::warn!(error = %e, "idempotent request refused: store unavailable");
            return ApiError::unavailable().into_response();
        }
    };
    let request = request.map(|parts| Request::from_parts(parts, Body::from(body)));
    let response = handler(request).await;
    finish(&key, &config, token, ttl, response).await
}

async fn finish(
    key: &IdempotencyKey,
    config: &Idempotency,
    token: super::store::LockToken,
    ttl: Duration,
    response: Response,
) -> Response {
    let release = || async {
        if let Err(e) = config.store.release(&key.record, token).await {
            tracing::warn!(error = %e, "idempotency key not released; it frees itself when its lock expires");
        }
    };
    if releases_key(response.status()) {
        release().await;
        return response;
    }
    let (parts, body) = response.into_parts();
    let fits = HttpBody::size_hint(&body).upper().is_some_and(|n| n <= config.max_response_bytes as u64);
    if !fits {
        tracing::info!(limit = config.max_response_bytes, "response too large to keep for replay; key released");
        release().await;
        return Response::from_parts(parts, body);
    }
    let bytes = match axum::body::to_bytes(body, config.max_response_bytes).await {
        Ok(bytes) => bytes,
        Err(e) => {
            release().await;
            return ApiError::internal(e).into_response();
        }
    };
    let stored = StoredResponse {
        status: parts.status.as_u16(),
        content_type: parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned),
        body: bytes.to_vec(),
    };
    let mut result = config.store.complete(&key.record, token, &stored, ttl).await;
    if result.is_err() {
        // One more try: a response that is not kept lets a retry run the handler again.
        result = config.store.complete(&key.record, token, &stored, ttl).await;
    }
    match result {
        Ok(true) => {}
        Ok(false) => tracing::warn!("idempotent handler outlived its lock; its response was not kept"),
        Err(e) => {
            tracing::error!(error = %e, "response not kept; a retry after the lock expires runs the handler again")
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// Runs a handler's deferred body extractor on the request whose body was
/// fingerprinted.
#[doc(hidden)]
pub async fn extract<T, M>(request: Option<Request>) -> Result<T, Response>
where
    T: FromRequest<(), M>,
{
    let request = request.unwrap_or_default();
    T::from_request(request, &()).await.map_err(IntoResponse::into_response)
}

/// Keeps a handler body's type where the macro has to name it.
#[doc(hidden)]
#[inline(always)]
pub fn typed<T, F: Future<Output = T>>(future: F) -> F {
    future
}
