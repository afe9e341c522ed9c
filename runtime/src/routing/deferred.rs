//! The last argument `#[idempotent]` gives a handler: the raw request, whose
//! body extractor runs only after the idempotency key is claimed. For the
//! route's policy it stands for what it defers: the body extractor `T` (its
//! access and inputs) and the handler's own return type `R`.

use std::marker::PhantomData;

use axum::extract::{FromRequest, Request};

use super::extractor::Extractor;
use super::facts::{Response, RouteFacts};

/// The raw request of an `#[idempotent]` handler, standing for its deferred
/// body extractor `T` and its return type `R` in the route's facts.
#[derive(Debug)]
pub struct Deferred<T, R> {
    request: Request,
    kinds: PhantomData<fn() -> (T, R)>,
}

impl<T, R> Deferred<T, R> {
    /// The request, body included.
    pub fn into_request(self) -> Request {
        self.request
    }
}

impl<T, R, S: Send + Sync> FromRequest<S> for Deferred<T, R> {
    type Rejection = std::convert::Infallible;

    async fn from_request(request: Request, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Deferred { request, kinds: PhantomData })
    }
}

#[diagnostic::do_not_recommend]
impl<T: Extractor, R> Extractor for Deferred<T, R> {
    type Access = T::Access;

    fn describe(facts: &mut RouteFacts) {
        T::describe(facts);
        facts.response = Response::of::<R>();
    }
}

/// What an `#[idempotent]` handler without a body extractor defers: nothing.
#[derive(Debug)]
pub enum NoBody {}

#[diagnostic::do_not_recommend]
impl Extractor for NoBody {
    type Access = super::access::Open;
}
