//! Fields whose type validates itself: nested `#[secure_request]` structs and
//! enums, and types that are [`Bounded`] by nature. Also the object-reading
//! plumbing the generated code of every `#[secure_request]` struct calls.

use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, Error, IgnoredAny, MapAccess, Visitor};

use super::context::{Cx, Path};
use super::error::{ErrorCode, Message};
use super::field::{Check, Read, reject_unexpected, wrong_type};

/// A type whose every value is small and fixed in shape, so a request field of
/// this type needs no `#[shield]` rule: `bool`, `char`, IP addresses, and
/// behind features the fixed-size types of `uuid`, `time` and `chrono`.
///
/// Implement it for your own type only if that holds for every value its
/// `Deserialize` accepts (a unit-only enum does; a struct with a `String`
/// does not: give such a struct `#[secure_request]` instead). Errors inside a
/// `Bounded` value stop the parse at that field (its `Deserialize` decides),
/// where `#[secure_request]` types report every error.
pub trait Bounded {}

/// A field type that checks itself. Implemented by `#[secure_request]` for
/// every type it annotates, and for every [`Bounded`] type. Not public API:
/// generated code calls it (through `__private`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is neither a #[secure_request] type nor `apishield::Bounded`",
    label = "nothing bounds the values of this type",
    note = "a type of your own: add #[secure_request] to it, or implement `apishield::Bounded` for it if every value it can take is small and fixed in shape",
    note = "a string, number or collection behind a type alias: write the type out in the field, so that its #[shield] rules bound it"
)]
pub trait NestedCheck {
    /// Records every rule violation of `self` in `cx`.
    fn check_nested(&self, cx: &mut Cx, at: &Path<'_>);
}

/// A type read and validated from input borrowed for `'de`: every
/// `#[secure_request]` type and every [`Bounded`] type, as serde's
/// `Deserialize<'de>`. Name it in generic code over request types, such as
/// a function generic over the item type of a `#[secure_request]` page that
/// borrows from the input:
///
/// ```
/// use std::borrow::Cow;
/// use apishield::prelude::*;
/// use apishield::request::ReadRequest;
///
/// #[secure_request]
/// pub struct Page<'a, T> {
///     #[shield(len = 1..=64)]
///     pub cursor: Cow<'a, str>,
///     #[shield(max_items = 20)]
///     pub items: Vec<T>,
/// }
///
/// #[secure_request]
/// pub struct Item {
///     #[shield(len = 1..=20)]
///     pub sku: String,
/// }
///
/// fn page<'a, T: ReadRequest<'a>>(json: &'a [u8]) -> Result<Page<'a, T>, RequestError> {
///     Page::from_json(json)
/// }
///
/// let page: Page<'_, Item> = page(br#"{"cursor":"c1","items":[{"sku":"a"}]}"#).unwrap();
/// assert!(matches!(page.cursor, Cow::Borrowed("c1")));
/// ```
///
/// A type that owns its data is [`ReadRequestOwned`] (what the axum
/// extractors need). Its method is generated code's, not public API.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is neither a #[secure_request] type nor `apishield::Bounded`",
    label = "nothing bounds the values of this type",
    note = "a type of your own: add #[secure_request] to it, or implement `apishield::Bounded` for it if every value it can take is small and fixed in shape",
    note = "a string, number or collection behind a type alias: write the type out in the field, so that its #[shield] rules bound it"
)]
pub trait ReadRequest<'de>: NestedCheck + Sized {
    /// Reads and validates a value. `Ok(None)`: invalid, reason recorded.
    #[doc(hidden)]
    fn read_nested<D: Deserializer<'de>>(de: D, cx: &mut Cx, at: &Path<'_>) -> Result<Option<Self>, D::Error>;
}

/// A type read and validated from input of any lifetime, one that owns its
/// data: `for<'de> ReadRequest<'de>`, as serde's `DeserializeOwned`. What
/// `SecureJson<T>` and `SecureQuery<T>` need (they read the body into a
/// buffer they drop): every `#[secure_request]` type without borrowed
/// fields (`String`, not `Cow<'a, str>`). A type that borrows is refused
/// at compile time ("implementation of `ReadRequest` is not general
/// enough"): parse such a body yourself with `from_json` on a buffer that
/// outlives the value.
pub trait ReadRequestOwned: for<'de> ReadRequest<'de> {}

impl<T: for<'de> ReadRequest<'de>> ReadRequestOwned for T {}

// `do_not_recommend`: a type that is not `#[secure_request]` is reported with
// the trait's own message, not as "`Bounded` is not implemented".
#[diagnostic::do_not_recommend]
impl<T: Bounded> NestedCheck for T {
    fn check_nested(&self, _: &mut Cx, _: &Path<'_>) {}
}

#[diagnostic::do_not_recommend]
impl<'de, T: Bounded + Deserialize<'de>> ReadRequest<'de> for T {
    fn read_nested<D: Deserializer<'de>>(de: D, cx: &mut Cx, at: &Path<'_>) -> Result<Option<Self>, D::Error> {
        T::deserialize(de).map(Some).inspect_err(|_| {
            // The type's own message may quote the input (an invalid UUID...): keep it out.
            cx.report_fatal(at, ErrorCode::InvalidValue, "is not a valid value");
        })
    }
}

/// The rules of a field whose type validates itself.
#[derive(Debug, Clone, Copy)]
pub struct NestedRules;

impl<'de, T: ReadRequest<'de>> Read<'de, T> for NestedRules {
    #[inline]
    fn read<D: Deserializer<'de>>(&self, de: D, cx: &mut Cx, at: &Path<'_>) -> Result<Option<T>, D::Error> {
        T::read_nested(de, cx, at)
    }
}

impl<T: NestedCheck> Check<T> for NestedRules {
    #[inline]
    fn check(&self, value: &T, cx: &mut Cx, at: &Path<'_>) {
        value.check_nested(cx, at);
    }
}

/// A concrete nested type on its way through generated code. Generated code
/// asserts that the type validates itself (one error, on the field's type);
/// the code that reads and checks it, `(&&Leaf::<T>::new()).read_leaf(..)`,
/// picks the type's own impls
/// ([`LeafReads`], [`LeafChecks`]) by method resolution, or, only for a type
/// the assertion has already reported, [`LeafUnread`] and
/// [`LeafUnchecked`], which reject every value. So a type that is not
/// `#[secure_request]` is one compile error, not one per use.
#[derive(Debug)]
pub struct Leaf<T: ?Sized>(PhantomData<fn() -> PhantomData<T>>);

impl<T: ?Sized> Leaf<T> {
    /// The probe for `T`.
    #[inline(always)]
    pub const fn new() -> Self {
        Leaf(PhantomData)
    }
}

impl<T: ?Sized> Default for Leaf<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Reads a nested type through its own impl.
pub trait LeafReads<'de, T> {
    /// Reads and validates a value.
    fn read_leaf<D: Deserializer<'de>>(&self, de: D, cx: &mut Cx, at: &Path<'_>) -> Result<Option<T>, D::Error>;
}

impl<'de, T: ReadRequest<'de>> LeafReads<'de, T> for &Leaf<T> {
    #[inline(always)]
    fn read_leaf<D: Deserializer<'de>>(&self, de: D, cx: &mut Cx, at: &Path<'_>) -> Result<Option<T>, D::Error> {
        T::read_nested(de, cx, at)
    }
}

/// The choice for a type that does not validate itself (never compiles: the
/// generated assertion fails); rejects the value all the same.
pub trait LeafUnread<'de, T> {
    /// Rejects the value.
    fn read_leaf<D: Deserializer<'de>>(&self, de: D, cx: &mut Cx, at: &Path<'_>) -> Result<Option<T>, D::Error>;
}

impl<'de, T> LeafUnread<'de, T> for Leaf<T> {
    fn read_leaf<D: Deserializer<'de>>(&self, de: D, cx: &mut Cx, at: &Path<'_>) -> Result<Option<T>, D::Error> {
        cx.report_fatal(at, ErrorCode::InvalidValue, "is not a valid value");
        de.deserialize_ignored_any(IgnoredAny).map(|_| None)
    }
}

/// Checks a nested type through its own impl.
pub trait LeafChecks<T: ?Sized> {
    /// Records every violation of the rules by `value`.
    fn check_leaf(&self, value: &T, cx: &mut Cx, at: &Path<'_>);
}

impl<T: NestedCheck + ?Sized> LeafChecks<T> for &Leaf<T> {
    #[inline(always)]
    fn check_leaf(&self, value: &T, cx: &mut Cx, at: &Path<'_>) {
        value.check_nested(cx, at);
    }
}

/// The choice for a type that does not validate itself (never compiles: the
/// generated assertion fails); reports the value all the same.
pub trait LeafUnchecked<T: ?Sized> {
    /// Reports the value as invalid.
    fn check_leaf(&self, value: &T, cx: &mut Cx, at: &Path<'_>);
}

impl<T: ?Sized> LeafUnchecked<T> for Leaf<T> {
    fn check_leaf(&self, _: &T, cx: &mut Cx, at: &Path<'_>) {
        cx.report(at, ErrorCode::InvalidValue, "is not a valid value");
    }
}

macro_rules! bounded {
    ($($t:ty),* $(,)?) => { $( impl Bounded for $t {} )* };
}

bounded!(
    std::net::IpAddr,
    std::net::Ipv4Addr,
    std::net::Ipv6Addr,
    std::net::SocketAddr,
    std::net::SocketAddrV4,
    std::net::SocketAddrV6,
);

#[cfg(feature = "uuid")]
bounded!(uuid::Uuid);

#[cfg(feature = "time")]
bounded!(
    time::Date,
    time::Time,
    time::PrimitiveDateTime,
    time::OffsetDateTime,
    time::UtcOffset,
    time::Weekday,
    time::Month
);

#[cfg(feature = "chrono")]
bounded!(
    chrono::NaiveDate,
    chrono::NaiveTime,
    chrono::NaiveDateTime,
    chrono::DateTime<chrono::Utc>,
    chrono::DateTime<chrono::FixedOffset>,
    chrono::Weekday,
    chrono::Month,
);

// ---------------------------------------------------------------- structs

/// What generated code implements for a `#[secure_request]` struct (and for
/// each variant of a tagged enum, on a marker type).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a #[secure_request] struct",
    label = "the content of this variant must be a #[secure_request] struct with named fields",
    note = "an internally tagged variant shares its object with the tag, so its content must be a struct"
)]
pub trait StructFields<'de> {
    /// What the fields make: the struct itself, or the enum for a variant.
    type Output;

    /// `"an object"`, or the variant's description.
    const EXPECTING: &'static str = "an object";

    /// Reads the object's fields, validating each.
    fn visit_fields<A: MapAccess<'de>>(map: A, cx: &mut Cx, at: &Path<'_>) -> Result<Option<Self::Output>, A::Error>;
}

/// Reads a struct: `T::visit_fields` on an object, `invalid_type` on anything
/// else, and the depth limit.
#[inline]
pub fn read_struct<'de, T: StructFields<'de>, D: Deserializer<'de>>(
    de: D,
    cx: &mut Cx,
    at: &Path<'_>,
) -> Result<Option<T::Output>, D::Error> {
    if !cx.enter(at) {
        return Err(D::Error::custom("nesting too deep"));
    }
    let result = de.deserialize_any(StructVisitor::<T> { cx, at, marker: PhantomData });
    cx.leave();
    result
}

struct StructVisitor<'c, 'p, T> {
    cx: &'c mut Cx,
    at: &'p Path<'p>,
    marker: PhantomData<fn() -> T>,
}

impl<'de, T: StructFields<'de>> StructVisitor<'_, '_, T> {
    const EXPECTING: &'static str = T::EXPECTING;
}

impl<'de, T: StructFields<'de>> Visitor<'de> for StructVisitor<'_, '_, T> {
    type Value = Option<T::Output>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::EXPECTING)
    }

    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Option<T::Output>, A::Error> {
        T::visit_fields(map, self.cx, self.at)
    }

    reject_unexpected!(bool, int, float, str, bytes, unit, seq);
}

/// A key of an object, as the generated field lookup resolved it.
#[derive(Debug)]
pub enum Key {
    /// The field with this index in the struct.
    Field(u16),
    /// A key the struct does not declare.
    Unknown(UnknownName),
}

/// An unknown key, kept only if it is safe to show in an error path: a name
/// a developer would write, never anything credential-like (see
/// `request::echo`). Anything else may be the client's data and is not echoed.
#[derive(Debug)]
pub struct UnknownName(Option<Box<str>>);

impl UnknownName {
    fn new(key: &str) -> Self {
        UnknownName(super::echo::may_echo(key).then(|| key.into()))
    }
}

struct KeyVisitor {
    lookup: fn(&str) -> Option<u16>,
}

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    #[inline]
    fn visit_str<E: Error>(self, key: &str) -> Result<Key, E> {
        Ok(match (self.lookup)(key) {
            Some(index) => Key::Field(index),
            None => Key::Unknown(UnknownName::new(key)),
        })
    }

    fn visit_bytes<E: Error>(self, key: &[u8]) -> Result<Key, E> {
        match std::str::from_utf8(key) {
            Ok(key) => self.visit_str(key),
            Err(_) => Ok(Key::Unknown(UnknownName(None))),
        }
    }

    fn visit_u64<E: Error>(self, _: u64) -> Result<Key, E> {
        Ok(Key::Unknown(UnknownName(None)))
    }
}

struct KeySeed {
    lookup: fn(&str) -> Option<u16>,
}

impl<'de> serde::de::DeserializeSeed<'de> for KeySeed {
    type Value = Key;

    #[inline]
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Key, D::Error> {
        de.deserialize_identifier(KeyVisitor { lookup: self.lookup })
    }
}

/// Reads the next key of an object and resolves it with the struct's lookup.
#[inline]
pub fn next_key<'de, A: MapAccess<'de>>(map: &mut A, lookup: fn(&str) -> Option<u16>) -> Result<Option<Key>, A::Error> {
    map.next_key_seed(KeySeed { lookup })
}

/// Reports a key the struct does not declare (or that is compiled out with
/// `#[cfg]`) and skips its value.
#[cold]
pub fn skip_key<'de, A: MapAccess<'de>>(map: &mut A, key: Key, cx: &mut Cx, at: &Path<'_>) -> Result<(), A::Error> {
    match key {
        Key::Unknown(name) => skip_unknown(map, name, cx, at),
        Key::Field(_) => skip_unknown(map, UnknownName(None), cx, at),
    }
}

/// Reports an unknown key given as text (`None`: not text) and skips its value.
#[cold]
pub(crate) fn skip_unknown_text<'de, A: MapAccess<'de>>(
    map: &mut A,
    key: Option<&str>,
    cx: &mut Cx,
    at: &Path<'_>,
) -> Result<(), A::Error> {
    let name = key.map_or(UnknownName(None), UnknownName::new);
    skip_unknown(map, name, cx, at)
}

/// Reports an unknown key and skips its value. Unknown fields are an error,
/// not ignored: silently dropping `"role": "admin"` hides a mass-assignment
/// attempt and a client's typo alike.
#[cold]
pub fn skip_unknown<'de, A: MapAccess<'de>>(
    map: &mut A,
    name: UnknownName,
    cx: &mut Cx,
    at: &Path<'_>,
) -> Result<(), A::Error> {
    match &name.0 {
        Some(shown) => cx.report(&at.key(shown), ErrorCode::UnknownField, "is not a field of this object"),
        None => cx.report(at, ErrorCode::UnknownField, "has a field that is not part of this object"),
    }
    map.next_value::<IgnoredAny>().map(|_| ())
}

// -------------------------------------------------------- unit-only enums

/// Reads a unit-only enum from its wire name. An unknown name is
/// `unknown_variant`; the message lists the allowed names (the API's public
/// contract), never the value received.
pub fn read_unit_enum<'de, T, D: Deserializer<'de>>(
    de: D,
    cx: &mut Cx,
    at: &Path<'_>,
    lookup: fn(&str) -> Option<T>,
    names: &'static [&'static str],
) -> Result<Option<T>, D::Error> {
    de.deserialize_any(UnitEnumVisitor { cx, at, lookup, names })
}

struct UnitEnumVisitor<'c, 'p, T> {
    cx: &'c mut Cx,
    at: &'p Path<'p>,
    lookup: fn(&str) -> Option<T>,
    names: &'static [&'static str],
}

impl<T> UnitEnumVisitor<'_, '_, T> {
    const EXPECTING: &'static str = "one of the allowed values";
}

impl<'de, T> Visitor<'de> for UnitEnumVisitor<'_, '_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::EXPECTING)
    }

    fn visit_str<E: Error>(self, s: &str) -> Result<Option<T>, E> {
        let found = (self.lookup)(s);
        if found.is_none() {
            self.cx.report(self.at, ErrorCode::UnknownVariant, Message::one_of(self.names));
        }
        Ok(found)
    }

    reject_unexpected!(bool, int, float, bytes, unit, seq, map);
}

/// `invalid_type` for generated code that rejects a whole value.
#[cold]
pub fn reject_value<T>(cx: &mut Cx, at: &Path<'_>, expecting: &'static str) -> Option<T> {
    wrong_type(cx, at, expecting)
}
