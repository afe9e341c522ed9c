//! A user's own API keys: `POST /api-keys` (issue), `GET /api-keys` (list),
//! `POST /api-keys/{key_id}/rotate`, `DELETE /api-keys/{key_id}` (revoke).
//!
//! * Keys are managed with a login (a JWT) only: a key cannot mint, rotate
//!   or revoke keys, so a leaked key cannot extend itself (403).
//! * A key never does more than the login that made it: it gets only scopes
//!   the login has (403 `scope_not_held` for one it lacks), so a read-only
//!   login cannot mint a key that pays.
//! * The key itself is in the answer of the request that made it, once; the
//!   store holds its SHA-256. Neither route is `#[idempotent]`: a replayed
//!   answer would have to keep the key.
//! * A key's record is `#[owned_by(owner)]`: its owner (or an admin) sees
//!   or revokes it; 403 for anyone else, 404 for a key that does not exist.
//!   Only its owner rotates it: rotation answers with the new key, which an
//!   admin must never hold.

use apishield::auth::api_key::{
    API_KEY_ISSUER, ApiKeyError, ApiKeyHash, ApiKeyKind, ApiKeyRecord, DEFAULT_ROTATION_GRACE,
};
use apishield::prelude::*;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::orders_api::state::AppState;

/// The scopes a key may have.
pub const KEY_SCOPES: [&str; 3] = ["orders:read", "orders:write", "payments:write"];

/// A key to issue: its scopes (a subset of [`KEY_SCOPES`]).
#[secure_request]
#[derive(Debug)]
pub struct IssueKey {
    /// The scopes, each one the caller's login has; if empty, every one of
    /// [`KEY_SCOPES`] the login has.
    #[shield(max_items = 3, each(one_of = ["orders:read", "orders:write", "payments:write"]))]
    pub scopes: Vec<String>,
}

/// A key's record: its owner's (or an admin's) to see. Never the key.
#[owned_by(owner)]
#[secure_response]
#[derive(Debug)]
pub struct KeyInfo {
    /// The key's id (the hex SHA-256 the store knows it by).
    pub id: String,
    /// Whose key it is.
    pub owner: String,
    /// The start of the key (`sk-test-AbCd`), to recognise it.
    pub display_prefix: String,
    /// Its scopes.
    pub scopes: Vec<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds: the key works strictly before.
    pub expires_at: i64,
    /// Whether it was revoked.
    pub revoked: bool,
    /// Whether it was rotated (it works until its shortened expiry).
    pub rotated: bool,
}

impl From<&ApiKeyRecord> for KeyInfo {
    fn from(record: &ApiKeyRecord) -> KeyInfo {
        KeyInfo {
            id: record.hash().to_hex(),
            owner: record.owner().to_owned(),
            display_prefix: record.display_prefix().to_owned(),
            scopes: record.scopes().map(str::to_owned).collect(),
            created_at: record.created_at(),
            expires_at: record.expires_at(),
            revoked: record.is_revoked(),
            rotated: record.is_rotated(),
        }
    }
}

/// A new key, shown once.
#[secure_response]
#[derive(Debug)]
pub struct IssuedKey {
    /// The key: `Authorization: ApiKey <api_key>`. Only in this answer.
    #[shield(expose)]
    pub api_key: String,
    /// Its id, to rotate or revoke it.
    pub id: String,
    /// Its scopes.
    pub scopes: Vec<String>,
    /// Unix seconds.
    pub expires_at: i64,
}

fn issued(key: &ApiKey, record: &ApiKeyRecord) -> IssuedKey {
    IssuedKey {
        api_key: key.expose_secret().to_owned(),
        id: record.hash().to_hex(),
        scopes: record.scopes().map(str::to_owned).collect(),
        expires_at: record.expires_at(),
    }
}

/// Keys are managed with a login, never with a key.
fn require_login(principal: &Principal) -> Result<(), ApiError> {
    if principal.issuer() == API_KEY_ISSUER { Err(ApiError::forbidden()) } else { Ok(()) }
}

/// The scopes a new key gets: those asked for, or when none are, every key
/// scope the caller's login has. A scope the login lacks is refused (403):
/// otherwise any login could mint a key with more rights than its own.
fn key_scopes(principal: &Principal, asked: Vec<String>) -> Result<Vec<String>, ApiError> {
    if asked.is_empty() {
        return Ok(KEY_SCOPES
            .iter()
            .filter(|scope| principal.has_scope(scope))
            .map(|scope| (*scope).to_owned())
            .collect());
    }
    if asked.iter().all(|scope| principal.has_scope(scope)) {
        Ok(asked)
    } else {
        Err(ApiError::with_status(StatusCode::FORBIDDEN, "scope_not_held"))
    }
}

fn key_error(error: ApiKeyError) -> ApiError {
    match error {
        ApiKeyError::UnknownKey => ApiError::not_found(),
        ApiKeyError::Revoked | ApiKeyError::Expired => ApiError::conflict("api_key_not_active"),
        ApiKeyError::AlreadyRotated => ApiError::conflict("api_key_already_rotated"),
        ApiKeyError::StoreUnavailable => ApiError::unavailable(),
        other => ApiError::internal(other),
    }
}

/// The key with this id, authorized for the caller (404 if there is none,
/// 403 if it is someone else's).
async fn owned_key(state: &AppState, principal: &Principal, key_id: &str) -> Result<Authorized<KeyInfo>, ApiError> {
    let hash = ApiKeyHash::from_hex(key_id).ok_or_else(ApiError::not_found)?;
    let record = state.api_keys.store().get(&hash).await.map_err(|error| {
        tracing::error!(%error, "API key store failed");
        ApiError::unavailable()
    })?;
    let record = record.ok_or_else(ApiError::not_found)?;
    Ok(principal.authorize(KeyInfo::from(&record))?)
}

/// `POST /api-keys`: a new key for the caller.
pub async fn issue(
    principal: Principal,
    State(state): State<AppState>,
    SecureJson(req): SecureJson<IssueKey>,
) -> Result<(StatusCode, SecureJson<IssuedKey>), ApiError> {
    require_login(&principal)?;
    let scopes = key_scopes(&principal, req.scopes)?;
    let (key, record) =
        state.api_keys.issue(ApiKeyKind::Secret, principal.subject(), scopes).await.map_err(key_error)?;
    state.data.add(&format!("keys-of:{}", principal.subject()), &record.hash().to_hex()).await?;
    Ok((StatusCode::CREATED, SecureJson(issued(&key, &record))))
}

/// `GET /api-keys`: the caller's keys (never the keys themselves).
pub async fn list(
    principal: Principal,
    State(state): State<AppState>,
) -> Result<SecureJson<Vec<Authorized<KeyInfo>>>, ApiError> {
    let mut keys = Vec::new();
    for id in state.data.members(&format!("keys-of:{}", principal.subject())).await? {
        match owned_key(&state, &principal, &id).await {
            Ok(key) => keys.push(key),
            // An index entry without its record: skipped.
            Err(error) if error.status() == StatusCode::NOT_FOUND => {}
            Err(error) => return Err(error),
        }
    }
    keys.sort_by_key(|key| key.created_at);
    Ok(SecureJson(keys))
}

/// `POST /api-keys/{key_id}/rotate`: a successor with the same scopes; the
/// old key works for 24 hours more. A key is rotated once (409 after).
/// Its owner's only: the answer holds the new key (403 for an admin).
pub async fn rotate(
    principal: Principal,
    State(state): State<AppState>,
    Path(key_id): Path<String>,
) -> Result<(StatusCode, SecureJson<IssuedKey>), ApiError> {
    require_login(&principal)?;
    let old = owned_key(&state, &principal, &key_id).await?;
    if old.owner != principal.subject() {
        return Err(ApiError::forbidden());
    }
    let hash = ApiKeyHash::from_hex(&old.id).ok_or_else(ApiError::not_found)?;
    let (key, record) = state.api_keys.rotate(&hash, DEFAULT_ROTATION_GRACE).await.map_err(key_error)?;
    state.data.add(&format!("keys-of:{}", record.owner()), &record.hash().to_hex()).await?;
    Ok((StatusCode::CREATED, SecureJson(issued(&key, &record))))
}

/// `DELETE /api-keys/{key_id}`: revokes a key at once; answers its record.
pub async fn revoke(
    principal: Principal,
    State(state): State<AppState>,
    Path(key_id): Path<String>,
) -> Result<Authorized<KeyInfo>, ApiError> {
    require_login(&principal)?;
    let key = owned_key(&state, &principal, &key_id).await?;
    let hash = ApiKeyHash::from_hex(&key.id).ok_or_else(ApiError::not_found)?;
    state.api_keys.revoke(&hash).await.map_err(key_error)?;
    owned_key(&state, &principal, &key_id).await
}
