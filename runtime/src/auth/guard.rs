//! What `#[owned_by(param)]` on a handler expands to: the ownership check
//! before the body, and the early 403 in the handler's own return type.

use std::marker::PhantomData;

use super::owner::{Forbidden, OwnerId};
use super::principal::Principal;

/// A handler return type that can carry a 403, which `#[owned_by(param)]`
/// on a handler returns when the caller does not own the resource:
/// `Result<_, E>` for any `E: From<Forbidden>` (such as
/// `apishield::axum::ApiError`), and axum's `Response` (feature `axum`).
#[diagnostic::on_unimplemented(
    message = "an #[owned_by] handler returning `{Self}` cannot answer 403 Forbidden",
    label = "the handler's return type",
    note = "return `Result<_, E>` where `E: From<apishield::Forbidden>` (such as `apishield::axum::ApiError`), or `impl IntoResponse`"
)]
pub trait FromForbidden {
    /// The handler's answer to a failed ownership check.
    fn from_forbidden(forbidden: Forbidden) -> Self;
}

// `do_not_recommend`: a `Result` whose error cannot carry a 403 is reported
// with this trait's message, not as "`E: From<Forbidden>` is not satisfied".
#[diagnostic::do_not_recommend]
impl<T, E: From<Forbidden>> FromForbidden for Result<T, E> {
    fn from_forbidden(forbidden: Forbidden) -> Self {
        Err(E::from(forbidden))
    }
}

/// The check: the principal owns the path parameter, or is an admin.
#[inline]
pub fn require_owner<O: OwnerId + ?Sized>(principal: &Principal, owner: &O) -> Result<(), Forbidden> {
    principal.require_owner(owner)
}

/// The early return of a failed check.
#[cold]
pub fn deny<R: FromForbidden>(forbidden: Forbidden) -> R {
    R::from_forbidden(forbidden)
}

/// The early return of a failed check, for a handler's named return type
/// `R`. Generated code asserts `R: FromForbidden` in the user's code (one
/// error, on the return type); the return, `(&&Deny::<R>::new()).deny(..)`,
/// picks [`DenyWith`] by method
/// resolution, or, only for a type the assertion has already reported,
/// [`DenyUnreachable`], so no second error repeats the first.
#[derive(Debug)]
pub struct Deny<R>(PhantomData<fn() -> R>);

impl<R> Deny<R> {
    /// The early return into `R`.
    #[inline(always)]
    pub const fn new() -> Self {
        Deny(PhantomData)
    }
}

impl<R> Default for Deny<R> {
    fn default() -> Self {
        Self::new()
    }
}

/// The 403 in the handler's own return type.
pub trait DenyWith<R> {
    /// The handler's answer to a failed ownership check.
    fn deny(&self, forbidden: Forbidden) -> R;
}

impl<R: FromForbidden> DenyWith<R> for &Deny<R> {
    #[cold]
    fn deny(&self, forbidden: Forbidden) -> R {
        R::from_forbidden(forbidden)
    }
}

/// The choice for a return type that cannot carry a 403: only ever selected
/// in a crate that does not compile (the generated assertion fails).
pub trait DenyUnreachable<R> {
    /// Never runs.
    fn deny(&self, forbidden: Forbidden) -> R;
}

impl<R> DenyUnreachable<R> for Deny<R> {
    fn deny(&self, _: Forbidden) -> R {
        unreachable!("the return type's FromForbidden assertion failed to compile")
    }
}
