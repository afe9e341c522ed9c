//! Where refresh-token records live.

use std::sync::Arc;

use super::error::TokenStoreError;
use super::family::{FamilyId, IssuedAccess, RefreshRecord, Rotation};
use super::refresh::RefreshTokenHash;
use crate::store::BoxFuture;

/// A store of [`RefreshRecord`]s, found by [`RefreshTokenHash`], and of
/// each family's revocation.
///
/// * [`MemoryRefreshTokenStore`](super::MemoryRefreshTokenStore): one process;
/// * `RedisRefreshTokenStore` (feature `redis`): every server process, each
///   rotation one Lua script (one round trip).
///
/// Object safe (see [`crate::store`]). Times are passed in (Unix seconds,
/// from the [`TokenService`](super::TokenService)'s clock), so one
/// [`ManualClock`](crate::time::ManualClock) drives every store in tests.
///
/// A database-backed store keeps two tables (tokens by hash, families by
/// id) and does [`rotate`](Self::rotate) in one transaction that locks the
/// old token's row (`SELECT ... FOR UPDATE`): of concurrent rotations of one
/// token exactly one may find it unrotated.
pub trait RefreshTokenStore: Send + Sync {
    /// Adds the first token of a new family, and the access token minted
    /// with it; `false` (nothing written) if the hash or the family exists.
    fn insert<'a>(
        &'a self,
        record: &'a RefreshRecord,
        access: &'a IssuedAccess,
    ) -> BoxFuture<'a, Result<bool, TokenStoreError>>;

    /// The record with this hash, and whether its family is revoked.
    fn get<'a>(
        &'a self,
        hash: &'a RefreshTokenHash,
    ) -> BoxFuture<'a, Result<Option<(RefreshRecord, bool)>, TokenStoreError>>;

    /// Atomically, for the token `old` presented by `client` at `now`:
    ///
    /// 1. no such token: [`Rotation::Unknown`];
    /// 2. its family revoked: [`Rotation::Revoked`];
    /// 3. already rotated (reuse): revokes the family, [`Rotation::Reused`];
    /// 4. another client: revokes the family, [`Rotation::WrongClient`];
    /// 5. expired (`now >= expires_at`): [`Rotation::Expired`];
    /// 6. otherwise marks it rotated at `now`, stores its
    ///    [successor](RefreshRecord::successor) under `new`, valid for
    ///    `lifetime_secs`, records `access` with the family's access
    ///    tokens (and may forget those expired at `now`), and answers
    ///    [`Rotation::Rotated`] with the successor.
    ///
    /// The check of the mark and its setting must be one step.
    fn rotate<'a>(
        &'a self,
        old: &'a RefreshTokenHash,
        client: &'a str,
        new: &'a RefreshTokenHash,
        now: i64,
        lifetime_secs: i64,
        access: &'a IssuedAccess,
    ) -> BoxFuture<'a, Result<Rotation, TokenStoreError>>;

    /// Every access token minted in the family (at its login and at each
    /// rotation) that has not expired at `now` (Unix seconds): what
    /// revoking the family puts on the denylist. Not only the latest: a
    /// thief who rotated twice holds the one before it too.
    fn live_access<'a>(
        &'a self,
        family: &'a FamilyId,
        now: i64,
    ) -> BoxFuture<'a, Result<Vec<IssuedAccess>, TokenStoreError>>;

    /// Revokes a family at `now` (an earlier revocation is kept); `false` if
    /// there is no such family.
    fn revoke_family<'a>(&'a self, family: &'a FamilyId, now: i64) -> BoxFuture<'a, Result<bool, TokenStoreError>>;
}

impl<S: RefreshTokenStore + ?Sized> RefreshTokenStore for Arc<S> {
    fn insert<'a>(
        &'a self,
        record: &'a RefreshRecord,
        access: &'a IssuedAccess,
    ) -> BoxFuture<'a, Result<bool, TokenStoreError>> {
        (**self).insert(record, access)
    }

    fn get<'a>(
        &'a self,
        hash: &'a RefreshTokenHash,
    ) -> BoxFuture<'a, Result<Option<(RefreshRecord, bool)>, TokenStoreError>> {
        (**self).get(hash)
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
        (**self).rotate(old, client, new, now, lifetime_secs, access)
    }

    fn live_access<'a>(
        &'a self,
        family: &'a FamilyId,
        now: i64,
    ) -> BoxFuture<'a, Result<Vec<IssuedAccess>, TokenStoreError>> {
        (**self).live_access(family, now)
    }

    fn revoke_family<'a>(&'a self, family: &'a FamilyId, now: i64) -> BoxFuture<'a, Result<bool, TokenStoreError>> {
        (**self).revoke_family(family, now)
    }
}
