//! What `#[owned_by(param)]` on a handler expands to: the ownership check
//! before the body, and the early 403 in the handler's own return type.

use super::owner::{Forbidden, OwnerId};
use super::principal::Principal;

/// A handler return type that can carry a 403.
#[diagnostic::on_unimplemented(
    message = "an #[owned_by] handler returning `{Self}` cannot answer 403 Forbidden",
    label = "the handler's return type",
    note = "return `Result<_, E>` where `E: From<apishield::Forbidden>` (such as `apishield::axum::ApiError`), or `impl IntoResponse`"
)]
pub trait FromForbidden {
    /// The handler's answer to a failed ownership check.
    fn from_forbidden(forbidden: Forbidden) -> Self;
}

impl<T, E: From<Forbidden>> FromForbidden for Result<T, E> {
    fn from_forbidden(forbidden: Forbidden) -> Self {
        Err(E::from(forbidden))
    }
}

#[cfg(feature = "axum")]
impl FromForbidden for axum::response::Response {
    fn from_forbidden(forbidden: Forbidden) -> Self {
        axum::response::IntoResponse::into_response(forbidden)
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

/// Not public API: an `IntoResponse` for an `#[owned_by]` type that can
/// never be used, so that returning one from a handler is a compile error
/// that says what to do. Expands to nothing without the `axum` feature.
#[cfg(feature = "axum")]
#[doc(hidden)]
#[macro_export]
macro_rules! __owned_into_response {
    ($ty:ty) => {
        #[automatically_derived]
        impl ::apishield::__private::axum::response::IntoResponse for $ty
        where
            for<'__apishield> $ty: ::apishield::__private::AuthorizeBeforeSerializing,
        {
            fn into_response(self) -> ::apishield::__private::axum::response::Response {
                ::core::unreachable!()
            }
        }
    };
}

/// Not public API (see the `axum` version).
#[cfg(not(feature = "axum"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __owned_into_response {
    ($ty:ty) => {};
}
