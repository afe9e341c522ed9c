//! A refresh token family: every token that descends by rotation from one
//! grant (a login), and the record each token's hash keys.

use std::fmt;

use crate::auth::CallerId;

use super::error::TokenError;
use super::refresh::RefreshTokenHash;

/// The id of a family: 128 random bits, 32 hex digits. Not a secret (it
/// authenticates nothing): an admin page or a log line may show it, and
/// [`TokenService::revoke_family`](super::TokenService::revoke_family)
/// takes it.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FamilyId([u8; 16]);

impl FamilyId {
    /// A new id from the OS random generator.
    pub fn generate() -> Result<FamilyId, TokenError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|_| TokenError::Randomness)?;
        Ok(FamilyId(bytes))
    }

    /// An id from its 32 hex digits.
    pub fn from_hex(hex: &str) -> Option<FamilyId> {
        let mut bytes = [0u8; 16];
        hex::decode_to_slice(hex, &mut bytes).ok()?;
        Some(FamilyId(bytes))
    }

    /// The 32 lowercase hex digits.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for FamilyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FamilyId({})", self.to_hex())
    }
}

impl fmt::Display for FamilyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// What a store keeps for one refresh token (found by its hash): whom it
/// was issued to, which client holds it, its family, what the access tokens
/// it refreshes carry, and its times. Built by the
/// [`TokenService`](super::TokenService) and by stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshRecord {
    /// The token's hash.
    pub hash: RefreshTokenHash,
    /// Its family.
    pub family: FamilyId,
    /// The caller it was issued to.
    pub caller: CallerId,
    /// The OAuth client (or application) that holds it; only that client
    /// may refresh it.
    pub client: String,
    /// The scopes of the access tokens it refreshes.
    pub scopes: Vec<String>,
    /// The roles of the access tokens it refreshes (as at the grant:
    /// revoke the family when a user's roles change).
    pub roles: Vec<String>,
    /// When it was issued (Unix seconds).
    pub issued_at: i64,
    /// When it stops working (Unix seconds): issued + the refresh lifetime,
    /// never past `session_expires_at`.
    pub expires_at: i64,
    /// When the whole family stops working, however often it rotated: the
    /// grant + the session lifetime.
    pub session_expires_at: i64,
    /// When it was exchanged for its successor; presenting it again after
    /// that is reuse.
    pub rotated_at: Option<i64>,
}

impl RefreshRecord {
    /// The record of a rotated token's successor: same family, caller,
    /// client and grant, issued `now`, valid for `lifetime_secs` (never past
    /// the session's end).
    #[must_use]
    pub fn successor(&self, hash: RefreshTokenHash, now: i64, lifetime_secs: i64) -> RefreshRecord {
        RefreshRecord {
            hash,
            family: self.family,
            caller: self.caller.clone(),
            client: self.client.clone(),
            scopes: self.scopes.clone(),
            roles: self.roles.clone(),
            issued_at: now,
            expires_at: now.saturating_add(lifetime_secs).min(self.session_expires_at),
            session_expires_at: self.session_expires_at,
            rotated_at: None,
        }
    }
}

/// An access token minted in a family (at its login or a rotation): its
/// `jti` and `exp`. A store keeps those with the family until they expire,
/// so that revoking the family (reuse, another client, logout) can put
/// them on the denylist too, rather than let them live out their minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedAccess {
    /// The access token's `jti`.
    pub jti: String,
    /// Its `exp` (Unix seconds).
    pub expires_at: i64,
}

/// What a store's [`rotate`](super::RefreshTokenStore::rotate) decided.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rotation {
    /// The token was current: it is now rotated, and this is its
    /// successor's record.
    Rotated(RefreshRecord),
    /// No token has this hash.
    Unknown,
    /// The token expired (or its session ended).
    Expired,
    /// The family was revoked earlier.
    Revoked,
    /// The token had already been rotated: someone holds a copy (RFC 9700
    /// section 4.14.2). The family is now revoked, the current holder's
    /// token with it.
    Reused(FamilyId),
    /// Another client presented it: a stolen token. The family is now
    /// revoked.
    WrongClient(FamilyId),
}
