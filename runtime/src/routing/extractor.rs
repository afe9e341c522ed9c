//! What each extractor says about the route it is in, and the route's
//! policy as the join of its handler's arguments.

use std::future::Future;

use super::access::{Access, Authenticated, DeclaredPublic, Join, Open};
use super::facts::{InputSource, RouteFacts};

/// An extractor that can be a route handler's argument: whether it
/// authenticates the caller, and what it tells the audit.
///
/// apishield implements it for its own extractors and axum's. An extractor
/// of your own says it in two lines:
///
/// ```
/// # #[cfg(feature = "axum")] {
/// struct TenantHeader(String);
///
/// impl apishield::routing::Extractor for TenantHeader {
///     type Access = apishield::routing::access::Open; // it authenticates no one
/// }
/// # }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an extractor apishield's routes know",
    label = "apishield cannot tell whether this argument authenticates the caller",
    note = "implement `apishield::routing::Extractor` for it: `type Access = apishield::routing::access::Open;` unless it authenticates (then `Authenticated`, and it must refuse a request without a valid caller)"
)]
pub trait Extractor {
    /// [`Authenticated`] if extraction succeeds only for an authenticated
    /// caller, [`Open`] otherwise.
    type Access: Access;

    /// Adds what this extractor enforces to the route's facts.
    fn describe(facts: &mut RouteFacts) {
        let _ = facts;
    }
}

/// A handler function with arguments `T` (axum's handler tuple): its
/// route's access, and its facts. Implemented for every async function whose
/// arguments all implement [`Extractor`].
pub trait RouteHandler<T> {
    /// The join of the arguments' accesses.
    type Access: Access;

    /// The route's facts (before the path and layers are known).
    fn facts() -> RouteFacts;
}

impl<F, Fut> RouteHandler<((),)> for F
where
    F: FnOnce() -> Fut,
    Fut: Future,
{
    type Access = Open;

    fn facts() -> RouteFacts {
        RouteFacts::new::<F, Fut::Output>(None)
    }
}

macro_rules! route_handler {
    ($($ty:ident),+) => {
        impl<F, Fut, M, $($ty,)+> RouteHandler<(M, $($ty,)+)> for F
        where
            F: FnOnce($($ty,)+) -> Fut,
            Fut: Future,
            $($ty: Extractor,)+
        {
            type Access = route_handler!(@join Open; $($ty),+);

            fn facts() -> RouteFacts {
                let mut facts = RouteFacts::new::<F, Fut::Output>(<Self::Access as Access>::AUTHENTICATED);
                $(<$ty as Extractor>::describe(&mut facts);)+
                facts
            }
        }
    };
    (@join $acc:ty; $head:ident $(, $rest:ident)*) => {
        route_handler!(@join Join<$acc, <$head as Extractor>::Access>; $($rest),*)
    };
    (@join $acc:ty;) => { $acc };
}

route_handler!(T1);
route_handler!(T1, T2);
route_handler!(T1, T2, T3);
route_handler!(T1, T2, T3, T4);
route_handler!(T1, T2, T3, T4, T5);
route_handler!(T1, T2, T3, T4, T5, T6);
route_handler!(T1, T2, T3, T4, T5, T6, T7);
route_handler!(T1, T2, T3, T4, T5, T6, T7, T8);
route_handler!(T1, T2, T3, T4, T5, T6, T7, T8, T9);
route_handler!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10);
route_handler!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11);
route_handler!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12);
route_handler!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13);
route_handler!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14);
route_handler!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15);
route_handler!(T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16);

// apishield's extractors.

#[diagnostic::do_not_recommend]
impl Extractor for crate::Principal {
    type Access = Authenticated;
}

/// An optional caller: the route serves anonymous callers too.
#[diagnostic::do_not_recommend]
impl<T: Extractor> Extractor for Option<T> {
    type Access = Open;
}

/// The rejection handled by the handler: it runs for anyone.
#[diagnostic::do_not_recommend]
impl<T: Extractor, E> Extractor for Result<T, E> {
    type Access = Open;
}

#[diagnostic::do_not_recommend]
impl<T: crate::SecureRequest + 'static> Extractor for crate::axum::SecureJson<T> {
    type Access = Open;

    fn describe(facts: &mut RouteFacts) {
        facts.secure_input(InputSource::Body, std::any::type_name::<Self>(), T::POLICY);
    }
}

#[diagnostic::do_not_recommend]
impl<T: crate::SecureRequest + 'static> Extractor for crate::axum::SecureQuery<T> {
    type Access = Open;

    fn describe(facts: &mut RouteFacts) {
        facts.secure_input(InputSource::Query, std::any::type_name::<Self>(), T::POLICY);
    }
}

#[diagnostic::do_not_recommend]
impl Extractor for crate::axum::IdempotencyKey {
    type Access = Open;

    fn describe(facts: &mut RouteFacts) {
        facts.idempotent = true;
    }
}

/// A payload whose signature verified: only the holder of the webhook
/// secret reaches the handler.
#[diagnostic::do_not_recommend]
impl<T> Extractor for crate::webhook::Verified<T> {
    type Access = Authenticated;

    fn describe(facts: &mut RouteFacts) {
        facts.webhook = true;
        facts.input(InputSource::Body, std::any::type_name::<Self>(), true);
    }
}

#[diagnostic::do_not_recommend]
impl Extractor for crate::headers::ClientRequestId {
    type Access = Open;
}

#[diagnostic::do_not_recommend]
impl Extractor for crate::axum::BodyLimit {
    type Access = Open;
}

/// The guards `#[requires_role]`, `#[requires_scope]`, `#[public]` and
/// `#[owned_by]` put first among a handler's arguments.
#[diagnostic::do_not_recommend]
impl<R: super::guard::Roles> Extractor for super::guard::RoleGuard<R> {
    type Access = Authenticated;

    fn describe(facts: &mut RouteFacts) {
        facts.roles.extend_from_slice(R::ROLES);
    }
}

#[diagnostic::do_not_recommend]
impl<S: super::guard::Scopes> Extractor for super::guard::ScopeGuard<S> {
    type Access = Authenticated;

    fn describe(facts: &mut RouteFacts) {
        facts.scopes.extend_from_slice(S::SCOPES);
    }
}

#[diagnostic::do_not_recommend]
impl Extractor for super::guard::PublicRoute {
    type Access = DeclaredPublic;
}

#[diagnostic::do_not_recommend]
impl Extractor for super::guard::OwnerChecked {
    type Access = Open;

    fn describe(facts: &mut RouteFacts) {
        facts.owner_checked = true;
    }
}

// axum's extractors: none authenticates.

macro_rules! open {
    ($source:ident, $bounded:expr => $($ty:ty),+ $(,)?) => {$(
        #[diagnostic::do_not_recommend]
        impl Extractor for $ty {
            type Access = Open;

            fn describe(facts: &mut RouteFacts) {
                facts.input(InputSource::$source, std::any::type_name::<Self>(), $bounded);
            }
        }
    )+};
    (generic $source:ident, $bounded:expr => $($ty:ident),+ $(,)?) => {$(
        #[diagnostic::do_not_recommend]
        impl<T> Extractor for axum::extract::$ty<T> {
            type Access = Open;

            fn describe(facts: &mut RouteFacts) {
                facts.input(InputSource::$source, std::any::type_name::<Self>(), $bounded);
            }
        }
    )+};
    (silent $($ty:ty),+ $(,)?) => {$(
        #[diagnostic::do_not_recommend]
        impl Extractor for $ty {
            type Access = Open;
        }
    )+};
}

// A path segment is one bounded URL segment; a raw body is unbounded (only
// the body limit bounds it, and nothing validates it).
open!(generic Path, true => Path);
open!(generic Query, false => Query);
open!(generic Body, false => Json, Form);
open!(Body, false => String, axum::body::Bytes, axum::body::Body, axum::extract::Request, axum::extract::RawForm);
open!(Query, false => axum::extract::RawQuery);
open!(Path, true => axum::extract::RawPathParams);
open!(silent axum::http::HeaderMap, axum::http::Method, axum::http::Uri, axum::http::Version,
    axum::http::request::Parts, axum::http::Extensions, axum::extract::MatchedPath, axum::extract::OriginalUri,
    axum::extract::NestedPath);

#[diagnostic::do_not_recommend]
impl<T> Extractor for axum::extract::State<T> {
    type Access = Open;
}

#[diagnostic::do_not_recommend]
impl<T> Extractor for axum::extract::Extension<T> {
    type Access = Open;
}

#[diagnostic::do_not_recommend]
impl<T> Extractor for axum::extract::ConnectInfo<T> {
    type Access = Open;
}
