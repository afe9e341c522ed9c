//! `#[secure_response(from = Model)]`: filling a response field from the
//! model field of the same name, and refusing to project an owned model
//! without its ownership check.
//!
//! The macro sees the response field's type but not the model's, so the
//! choice between "convert" and "copy" is made by the compiler with
//! method-resolution priority (autoref): a response type converts from its
//! model type (`AddressResponse` from `Address`, also inside `Option`, `Vec`
//! and maps), and any other field is cloned if both types are the same.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};
use std::marker::PhantomData;

use crate::auth::Owned;

// ------------------------------------------------------------ ownership gate
//
// `#[secure_response(from = Order)]` cannot see `Order`'s definition, so it
// does not know whether `Order` has an owner. The compiler does: for a
// concrete type, `<OwnerGate<Order>>::HAS_OWNER` is the inherent constant
// (`true`) when `Order: Owned` and the trait's default (`false`) otherwise,
// because inherent items win over trait items and an inherent impl whose
// bounds fail is skipped. The generated `From<&Order>` requires
// `HasOwner<{ that constant }>: ProjectWithoutOwnershipCheck<..>`, which
// holds only for `false`. The bound sits under a `for<'a>` binder, so it is
// checked where the conversion is used, not where it is defined: a crate
// that only converts from `&Authorized<Order>` compiles.

/// Not public API: answers whether `M` has an owner, for a concrete `M`.
#[derive(Debug)]
pub struct OwnerGate<M: ?Sized>(PhantomData<fn() -> PhantomData<M>>);

/// Not public API: the answer for types without an owner. Generated code
/// brings it into scope.
pub trait NoOwner {
    /// `M` has no owner.
    const HAS_OWNER: bool = false;
}

impl<M: ?Sized> NoOwner for OwnerGate<M> {}

impl<M: ?Sized + Owned> OwnerGate<M> {
    /// `M` has an owner (`#[owned_by]`).
    pub const HAS_OWNER: bool = true;
}

/// Not public API: whether a projection's model has an owner, as a type.
#[derive(Debug)]
pub struct HasOwner<const YES: bool>;

/// Not public API: holds for `HasOwner<false>`. For `HasOwner<true>` its
/// impl requires [`AuthorizeBeforeProjecting`], which never holds: the
/// compiler then reports that trait's message (its self type differs, so
/// the message is not replaced by this trait's), and points at no impl of
/// this crate.
pub trait ProjectWithoutOwnershipCheck<M: ?Sized, V: ?Sized> {}

impl<M: ?Sized, V: ?Sized> ProjectWithoutOwnershipCheck<M, V> for HasOwner<false> {}

impl<M: ?Sized, V: ?Sized> ProjectWithoutOwnershipCheck<M, V> for HasOwner<true> where
    super::Unchecked<M>: AuthorizeBeforeProjecting<M, V>
{
}

/// Not public API: never implemented; its message is the error for
/// projecting an owned model without its ownership check.
#[diagnostic::on_unimplemented(
    message = "`{M}` has an owner: `{V}` converts from `&Authorized<{M}>`, not from `&{M}`",
    label = "converted without an ownership check",
    note = "authorize it first: `{V}::from(&principal.authorize(value)?)` (its owner or an admin), or `principal.authorize_all(values)` for a list",
    note = "projecting an #[owned_by] type into another response would send it to anyone; `Authorized<{M}>` is the proof that the check ran"
)]
pub trait AuthorizeBeforeProjecting<M: ?Sized, V: ?Sized> {}

// ----------------------------------------------------------------- projection

/// A response type built from a model type (`#[secure_response(from = M)]`).
pub trait FromModel<M: ?Sized> {
    /// Copies the exposed fields of `model`.
    fn from_model(model: &M) -> Self;
}

impl<M, T: FromModel<M>> FromModel<Option<M>> for Option<T> {
    fn from_model(model: &Option<M>) -> Self {
        model.as_ref().map(T::from_model)
    }
}

impl<M, T: FromModel<M>> FromModel<Vec<M>> for Vec<T> {
    fn from_model(model: &Vec<M>) -> Self {
        model.iter().map(T::from_model).collect()
    }
}

impl<M, T: FromModel<M>> FromModel<Box<M>> for Box<T> {
    fn from_model(model: &Box<M>) -> Self {
        Box::new(T::from_model(model))
    }
}

impl<K: Ord + Clone, M, T: FromModel<M>> FromModel<BTreeMap<K, M>> for BTreeMap<K, T> {
    fn from_model(model: &BTreeMap<K, M>) -> Self {
        model.iter().map(|(k, v)| (k.clone(), T::from_model(v))).collect()
    }
}

impl<K: Eq + Hash + Clone, M, T: FromModel<M>, S: BuildHasher + Default + Clone> FromModel<HashMap<K, M, S>>
    for HashMap<K, T, S>
{
    fn from_model(model: &HashMap<K, M, S>) -> Self {
        model.iter().map(|(k, v)| (k.clone(), T::from_model(v))).collect()
    }
}

/// A model field on its way into a response field of type `T`.
#[derive(Debug)]
pub struct Probe<'a, M: ?Sized, T>(&'a M, PhantomData<fn() -> T>);

impl<'a, M: ?Sized, T> Probe<'a, M, T> {
    /// Wraps a reference to the model field.
    pub fn new(model: &'a M) -> Self {
        Probe(model, PhantomData)
    }
}

/// First choice: the response type converts from the model type.
pub trait ViaModel<T> {
    /// The response field's value.
    fn project(self) -> T;
}

impl<M, T: FromModel<M>> ViaModel<T> for &&Probe<'_, M, T> {
    fn project(self) -> T {
        T::from_model(self.0)
    }
}

/// Second choice: the same type on both sides, cloned.
pub trait ViaClone<T> {
    /// The response field's value.
    fn project(self) -> T;
}

impl<T: Clone> ViaClone<T> for &Probe<'_, T, T> {
    fn project(self) -> T {
        self.0.clone()
    }
}

/// Never implemented: its message is the error for a response field whose
/// type neither converts from nor equals the model field's type. The last
/// choice of the projection (no conversion, no copy) is a method that
/// requires it; generated code defines that method in the user's crate, so
/// the error points there and not into this crate.
#[diagnostic::on_unimplemented(
    message = "the response field of type `{Self}` cannot be filled from the model field of type `{M}`",
    label = "no conversion from the model field",
    note = "give both fields the same type, or make `{Self}` a #[secure_response(from = {M})] type",
    note = "if the model field holds #[owned_by] values, they convert only once authorized: hold them as `Authorized<..>` (`Vec<Authorized<Order>>`)"
)]
pub trait FillableFrom<M: ?Sized> {}
