//! Response types: what `#[secure_response]` generates code against.
//!
//! A response type lists the fields that leave the server, and nothing else
//! can: a field named like a secret is a compile error unless marked, a
//! [`Secret`](crate::Secret) has no `Serialize`, and a nested type must be a
//! response type itself or [`Public`]. Types with an owner (`#[owned_by]`)
//! leave only as [`Authorized<T>`].

mod authorized;
mod project;

pub use authorized::Authorized;
#[doc(hidden)]
pub use project::{
    AuthorizeBeforeProjecting, FillableFrom, FromModel, HasOwner, NoOwner, OwnerGate, Probe,
    ProjectWithoutOwnershipCheck, ViaClone, ViaModel,
};

use std::marker::PhantomData;

use serde::{Serialize, Serializer};

/// A type whose values may appear in a response: every `#[secure_response]`
/// type, plain values (strings, numbers, `bool`, ...), collections of public
/// values, and [`Authorized<T>`].
///
/// Implement it for your own type only if no value of it is secret (a status
/// enum, an amount type). A struct with fields should get
/// `#[secure_response]` instead, so its field names are checked.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot appear in a #[secure_response] type",
    label = "not known to be free of secrets",
    note = "add #[secure_response] to `{Self}` (its fields are then checked too), or implement `apishield::Public` for it if no value of it is secret",
    note = "an #[owned_by] type appears in responses only as `Authorized<{Self}>`; an `apishield::Secret` never does"
)]
pub trait Public: Serialize {}

// `do_not_recommend`: an error about a user's type does not list every
// plain type as "the trait is implemented for".
macro_rules! public {
    ($($t:ty),* $(,)?) => { $( #[diagnostic::do_not_recommend] impl Public for $t {} )* };
}

public!(
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    str,
    String,
    (),
    std::net::IpAddr,
    std::net::Ipv4Addr,
    std::net::Ipv6Addr,
    std::net::SocketAddr,
    std::num::NonZeroU8,
    std::num::NonZeroU16,
    std::num::NonZeroU32,
    std::num::NonZeroU64,
);

impl<T: Public + ?Sized> Public for &T {}
impl<T: Public + ?Sized> Public for Box<T> {}
impl<T: Public + ToOwned + ?Sized> Public for std::borrow::Cow<'_, T> {}
impl<T: Public> Public for Option<T> {}
impl<T: Public> Public for [T] {}
impl<T: Public> Public for Vec<T> {}
impl<T: Public> Public for std::collections::VecDeque<T> {}
impl<T: Public, S> Public for std::collections::HashSet<T, S> {}
impl<T: Public> Public for std::collections::BTreeSet<T> {}
impl<K: Public, V: Public, S> Public for std::collections::HashMap<K, V, S> {}
impl<K: Public, V: Public> Public for std::collections::BTreeMap<K, V> {}

#[cfg(feature = "uuid")]
public!(uuid::Uuid);
#[cfg(feature = "time")]
public!(
    time::Date,
    time::Time,
    time::PrimitiveDateTime,
    time::OffsetDateTime,
    time::UtcOffset,
    time::Weekday,
    time::Month
);
#[cfg(feature = "chrono")]
public!(
    chrono::NaiveDate,
    chrono::NaiveTime,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::FixedOffset>,
    chrono::Weekday,
    chrono::Month,
);

/// Not public API: one field of a response on its way out. Generated code
/// asserts that the field's type is [`Public`] (one error, on the field);
/// the call that serializes it, `(&&FieldProbe(&value)).send(..)`, then
/// picks [`SendPublic`] by method resolution, or, only for a type the assertion has already reported,
/// [`SendRefused`], so that no second error repeats the first.
#[doc(hidden)]
#[derive(Debug)]
pub struct FieldProbe<'a, T: ?Sized>(pub &'a T);

/// Not public API: serializes a [`Public`] field.
#[doc(hidden)]
pub trait SendPublic {
    /// Serializes the field under `key`.
    fn send<S: serde::ser::SerializeStruct>(&self, state: &mut S, key: &'static str) -> Result<(), S::Error>;
}

impl<T: Public + ?Sized> SendPublic for &FieldProbe<'_, T> {
    #[inline(always)]
    fn send<S: serde::ser::SerializeStruct>(&self, state: &mut S, key: &'static str) -> Result<(), S::Error> {
        state.serialize_field(key, self.0)
    }
}

/// Not public API: the choice for a field type that is not [`Public`],
/// which never compiles (the generated assertion fails); it refuses the
/// value all the same.
#[doc(hidden)]
pub trait SendRefused {
    /// Refuses the field.
    fn send<S: serde::ser::SerializeStruct>(&self, state: &mut S, key: &'static str) -> Result<(), S::Error>;
}

impl<T: ?Sized> SendRefused for FieldProbe<'_, T> {
    fn send<S: serde::ser::SerializeStruct>(&self, _: &mut S, _: &'static str) -> Result<(), S::Error> {
        Err(serde::ser::Error::custom("a response field whose type is not `Public`"))
    }
}

/// A response type, implemented by `#[secure_response]`.
pub trait SecureResponse {
    /// The type's policy, for the audit report.
    const POLICY: &'static ResponsePolicy;

    #[doc(hidden)]
    /// Serializes the exposed fields of an authorized value. An `#[owned_by]`
    /// type has no `Serialize` of its own: [`Authorized`]'s `Serialize` calls
    /// this, and since only an ownership check makes an `Authorized`, no code
    /// can call it for a value that was not checked.
    fn __serialize<S: Serializer>(this: &Authorized<Self>, serializer: S) -> Result<S::Ok, S::Error>
    where
        Self: Sized;
}

/// The policy of one `#[secure_response]` type, generated by the macro.
#[derive(Debug)]
pub struct ResponsePolicy {
    type_name: &'static str,
    fields: &'static [&'static str],
    owned_by: Option<&'static str>,
    #[cfg(feature = "schemars")]
    schema: Option<crate::schema::SchemaFn>,
}

impl ResponsePolicy {
    #[doc(hidden)]
    pub const fn __new(
        type_name: &'static str,
        fields: &'static [&'static str],
        owned_by: Option<&'static str>,
    ) -> Self {
        ResponsePolicy {
            type_name,
            fields,
            owned_by,
            #[cfg(feature = "schemars")]
            schema: None,
        }
    }

    #[doc(hidden)]
    #[cfg(feature = "schemars")]
    #[must_use]
    pub const fn __with_schema(mut self, schema: crate::schema::SchemaFn) -> Self {
        self.schema = Some(schema);
        self
    }

    /// The type's JSON Schema (a reference to its definition in the
    /// generator), for a type without type parameters.
    #[cfg(feature = "schemars")]
    pub fn schema(&self) -> Option<crate::schema::SchemaFn> {
        self.schema
    }

    /// The Rust name of the type.
    pub fn type_name(&self) -> &'static str {
        self.type_name
    }

    /// The names on the wire of the fields that leave the server.
    pub fn fields(&self) -> &'static [&'static str] {
        self.fields
    }

    /// The owner field, for `#[owned_by]` types.
    pub fn owned_by(&self) -> Option<&'static str> {
        self.owned_by
    }
}

/// Not public API: an `#[owned_by]` type `T` on its way out without an
/// ownership check. Its `Serialize` (and `IntoResponse`) impl requires
/// `Unchecked<T>: AuthorizeBeforeSerializing<T>`, which never holds; the self
/// type differs from `T`, so the compiler reports this trait's message, not
/// a generic "`T: Serialize` is not satisfied".
#[doc(hidden)]
#[derive(Debug)]
pub struct Unchecked<T: ?Sized>(PhantomData<fn() -> PhantomData<T>>);

/// Not public API: never implemented; its message is the error for sending
/// an owned type without its check.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{T}` has an owner: it leaves the server only as `apishield::Authorized<{T}>`",
    label = "sent without an ownership check",
    note = "authorize it first: `principal.authorize(value)?` (its owner or an admin), or `principal.authorize_all(values)` for a list"
)]
pub trait AuthorizeBeforeSerializing<T: ?Sized> {}
