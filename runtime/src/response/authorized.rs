//! `Authorized<T>`: an owned resource that passed its ownership check.

use std::ops::Deref;

use serde::{Serialize, Serializer};

use super::{Public, SecureResponse};
use crate::auth::Owned;

/// An owned resource that its owner (or an admin) may see. Only
/// [`Principal::authorize`](crate::Principal::authorize) and
/// [`Principal::authorize_all`](crate::Principal::authorize_all) make one, so
/// a value of this type is proof that the check ran.
#[derive(Debug, Clone, PartialEq)]
pub struct Authorized<T>(T);

impl<T: Owned> Authorized<T> {
    pub(crate) fn new(resource: T) -> Self {
        Authorized(resource)
    }
}

impl<T> Authorized<T> {
    /// The resource, for further processing on the server.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Authorized<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: SecureResponse> Serialize for Authorized<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        T::__serialize(self, serializer)
    }
}

impl<T: SecureResponse> Public for Authorized<T> {}
