//! Who may call a route, decided from its handler's arguments at compile
//! time: each extractor says whether it authenticates the caller, declares
//! the route public, or neither, and the route's access is their join.
//!
//! The join is a type, so that `get(handler)` can require it with a trait
//! bound: an error in `cargo check`, on the `get(..)` call, not a panic when
//! the server starts.

/// An extractor that neither authenticates nor declares anything (a path,
/// a body, the state). A route whose arguments are all `Open` is refused.
#[derive(Debug)]
pub enum Open {}

/// The extractor makes or requires an authenticated caller: `Principal`,
/// a role or scope guard, a verified webhook signature.
#[derive(Debug)]
pub enum Authenticated {}

/// The route is declared public (`#[public]`).
#[derive(Debug)]
pub enum DeclaredPublic {}

/// Declared public and requiring an authenticated caller at once.
#[derive(Debug)]
pub enum Conflict {}

/// The access one extractor, or a whole route, has. Only the four types of
/// this module implement it.
pub trait Access: sealed::Sealed {
    /// `Some(true)` authenticated, `Some(false)` public, `None` neither
    /// (or both, which is refused).
    const AUTHENTICATED: Option<bool>;
    /// The access of a route with both this and `B`.
    type Join<B: Access>: Access;
    #[doc(hidden)]
    type WithAuthenticated: Access;
    #[doc(hidden)]
    type WithPublic: Access;
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Open {}
    impl Sealed for super::Authenticated {}
    impl Sealed for super::DeclaredPublic {}
    impl Sealed for super::Conflict {}
}

impl Access for Open {
    const AUTHENTICATED: Option<bool> = None;
    type Join<B: Access> = B;
    type WithAuthenticated = Authenticated;
    type WithPublic = DeclaredPublic;
}

impl Access for Authenticated {
    const AUTHENTICATED: Option<bool> = Some(true);
    type Join<B: Access> = B::WithAuthenticated;
    type WithAuthenticated = Authenticated;
    type WithPublic = Conflict;
}

impl Access for DeclaredPublic {
    const AUTHENTICATED: Option<bool> = Some(false);
    type Join<B: Access> = B::WithPublic;
    type WithAuthenticated = Conflict;
    type WithPublic = DeclaredPublic;
}

impl Access for Conflict {
    const AUTHENTICATED: Option<bool> = None;
    type Join<B: Access> = Conflict;
    type WithAuthenticated = Conflict;
    type WithPublic = Conflict;
}

/// `A` joined with `B`.
pub(crate) type Join<A, B> = <A as Access>::Join<B>;

/// What a served route's access must be: not `Open`.
#[diagnostic::on_unimplemented(
    message = "this route is neither authenticated nor declared public",
    label = "no argument of this handler authenticates the caller",
    note = "take a `Principal` (or use `#[requires_role(..)]`, `#[requires_scope(..)]`, or a `Verified<T>` webhook payload), or declare the route public with `#[public]` on the handler"
)]
pub trait NotOpen: Access {}
#[diagnostic::do_not_recommend]
impl NotOpen for Authenticated {}
#[diagnostic::do_not_recommend]
impl NotOpen for DeclaredPublic {}
#[diagnostic::do_not_recommend]
impl NotOpen for Conflict {}

/// What a served route's access must be: not both public and authenticated.
#[diagnostic::on_unimplemented(
    message = "this route is declared public but requires an authenticated caller",
    label = "`#[public]` handler with an argument that authenticates",
    note = "a public route serves anonymous callers: take `Option<Principal>` to see who calls when someone does, or remove `#[public]`"
)]
pub trait NotConflicting: Access {}
#[diagnostic::do_not_recommend]
impl NotConflicting for Open {}
#[diagnostic::do_not_recommend]
impl NotConflicting for Authenticated {}
#[diagnostic::do_not_recommend]
impl NotConflicting for DeclaredPublic {}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind<A: Access>() -> Option<bool> {
        A::AUTHENTICATED
    }

    #[test]
    fn joins() {
        assert_eq!(kind::<Join<Open, Open>>(), None);
        assert_eq!(kind::<Join<Open, Authenticated>>(), Some(true));
        assert_eq!(kind::<Join<Authenticated, Open>>(), Some(true));
        assert_eq!(kind::<Join<DeclaredPublic, Open>>(), Some(false));
        assert_eq!(kind::<Join<Open, DeclaredPublic>>(), Some(false));
        assert_eq!(kind::<Join<Authenticated, Authenticated>>(), Some(true));
        fn conflict<A: Access<Join<Open> = Conflict>>() {}
        conflict::<Join<DeclaredPublic, Authenticated>>();
        conflict::<Join<Authenticated, DeclaredPublic>>();
        conflict::<Join<Join<DeclaredPublic, Open>, Authenticated>>();
    }
}
