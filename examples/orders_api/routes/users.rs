//! Users' profiles: `GET /me`, `PUT /me`, `GET /users/{user_id}`.
//!
//! A user is whoever the identity provider says (the token's subject); the
//! service keeps a profile per user. A profile is `#[owned_by]` its user, so
//! it leaves the server only to that user or an admin.

use apishield::prelude::*;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};

use crate::orders_api::state::AppState;

/// A profile as stored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ProfileRecord {
    /// Display name.
    pub name: Option<String>,
    /// Contact e-mail.
    pub email: Option<String>,
}

/// A user's profile: only to its user (or an admin).
#[owned_by(id)]
#[secure_response]
#[derive(Debug)]
pub struct Profile {
    /// The user id (the token's subject).
    pub id: String,
    /// Display name, once set.
    pub name: Option<String>,
    /// Contact e-mail, once set.
    pub email: Option<String>,
}

/// What a user may change of their profile: nothing else. A body with any
/// other field (`role`, `is_admin`, `id`) is refused, 422.
#[secure_request]
#[derive(Debug)]
pub struct UpdateProfile {
    /// Display name.
    #[shield(len = 1..=100, trim)]
    pub name: String,
    /// Contact e-mail.
    #[shield(email, len = ..=254)]
    pub email: String,
}

async fn load(state: &AppState, user_id: &str) -> Result<Profile, ApiError> {
    let record: ProfileRecord = state.data.get("profile", user_id).await?.unwrap_or_default();
    Ok(Profile { id: user_id.to_owned(), name: record.name, email: record.email })
}

/// `GET /me`: the caller's profile.
pub async fn me(principal: Principal, State(state): State<AppState>) -> Result<Authorized<Profile>, ApiError> {
    let profile = load(&state, principal.subject()).await?;
    Ok(principal.authorize(profile)?)
}

/// `PUT /me`: replaces the caller's name and e-mail.
pub async fn update_me(
    principal: Principal,
    State(state): State<AppState>,
    SecureJson(update): SecureJson<UpdateProfile>,
) -> Result<Authorized<Profile>, ApiError> {
    let record = ProfileRecord { name: Some(update.name), email: Some(update.email) };
    state.data.put("profile", principal.subject(), &record).await?;
    let profile = load(&state, principal.subject()).await?;
    Ok(principal.authorize(profile)?)
}

/// `GET /users/{user_id}`: a profile, to its user or an admin (403 before
/// the handler runs for anyone else).
#[owned_by(user_id)]
pub async fn user(
    principal: Principal,
    State(state): State<AppState>,
    Path(user_id): Path<String>,
) -> Result<Authorized<Profile>, ApiError> {
    let profile = load(&state, &user_id).await?;
    Ok(principal.authorize(profile)?)
}
