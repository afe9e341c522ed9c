//! The guards the handler attributes put first among a handler's
//! arguments: `#[requires_role]` and `#[requires_scope]` check the caller
//! before any other extractor (so before the body is read) and before the
//! handler's code; `#[public]` and `#[owned_by]` only mark the route.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use crate::auth::Principal;
use crate::axum::ApiError;

/// The roles a `#[requires_role(..)]` handler accepts (any one of them):
/// implemented by the type the attribute generates.
pub trait Roles: Send + Sync + 'static {
    /// The roles, as written in the attribute.
    const ROLES: &'static [&'static str];
}

/// The scopes a `#[requires_scope(..)]` handler needs (all of them).
pub trait Scopes: Send + Sync + 'static {
    /// The scopes, as written in the attribute.
    const SCOPES: &'static [&'static str];
}

/// Extracted only for a caller with one of `R`'s roles: 401 without a
/// caller, 403 (the generic problem body) without the role. What
/// `#[requires_role(..)]` adds to a handler.
#[derive(Debug)]
pub struct RoleGuard<R>(PhantomData<fn() -> R>);

/// Extracted only for a caller with all of `S`'s scopes: 401 without a
/// caller, 403 without a scope. What `#[requires_scope(..)]` adds.
#[derive(Debug)]
pub struct ScopeGuard<S>(PhantomData<fn() -> S>);

/// Always extracted: marks a handler `#[public]`.
#[derive(Debug, Clone, Copy)]
pub struct PublicRoute;

/// Always extracted: marks a handler whose `#[owned_by]` check runs before
/// its code, for the audit.
#[derive(Debug, Clone, Copy)]
pub struct OwnerChecked;

fn principal(parts: &Parts) -> Result<&Principal, ApiError> {
    parts.extensions.get::<Principal>().ok_or_else(ApiError::unauthorized)
}

impl<R: Roles, St: Send + Sync> FromRequestParts<St> for RoleGuard<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &St) -> Result<Self, ApiError> {
        let principal = principal(parts)?;
        if R::ROLES.iter().any(|role| principal.has_role(role)) {
            Ok(RoleGuard(PhantomData))
        } else {
            crate::telemetry::access_denied(crate::telemetry::Check::Role, principal);
            Err(ApiError::forbidden())
        }
    }
}

impl<S: Scopes, St: Send + Sync> FromRequestParts<St> for ScopeGuard<S> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &St) -> Result<Self, ApiError> {
        let principal = principal(parts)?;
        if S::SCOPES.iter().all(|scope| principal.has_scope(scope)) {
            Ok(ScopeGuard(PhantomData))
        } else {
            crate::telemetry::access_denied(crate::telemetry::Check::Scope, principal);
            Err(ApiError::forbidden())
        }
    }
}

impl<St: Send + Sync> FromRequestParts<St> for PublicRoute {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, _: &St) -> Result<Self, Self::Rejection> {
        Ok(PublicRoute)
    }
}

impl<St: Send + Sync> FromRequestParts<St> for OwnerChecked {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, _: &St) -> Result<Self, Self::Rejection> {
        Ok(OwnerChecked)
    }
}
