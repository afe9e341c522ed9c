//! The two traits every field rule implements, and the plumbing shared by all
//! of them.
//!
//! A rule value (built by `#[secure_request]` from the field's `#[shield]`
//! attribute, e.g. `SeqRules { max_items: 20, each: StrRules { .. } }`) both
//! *reads* the field from a deserializer, validating while it reads, and
//! *checks* an existing value. Reading never fails on a validation problem: it
//! records the problem in the [`Cx`] and returns `None`, so the parse goes on
//! and every field's errors are reported together. Only errors of the wire
//! format itself (a JSON syntax error) stop the parse.

use std::marker::PhantomData;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess};

use super::context::{Cx, Mode, Path};
use super::error::{ErrorCode, Message};

/// Rules that check an existing value (the `validate()` path).
pub trait Check<T: ?Sized> {
    /// Records every violation of the rules by `value` in `cx`.
    fn check(&self, value: &T, cx: &mut Cx, at: &Path<'_>);
}

/// Rules that read a `T` from a deserializer and validate it on the way.
pub trait Read<'de, T>: Check<T> {
    /// Whether a query string may repeat the field's key once per item
    /// (`tags=a&tags=b`). True for lists and sets.
    const REPEATABLE: bool = false;

    /// Reads and validates one value. `Ok(None)`: the value was invalid and
    /// the reason is recorded in `cx`. `Err`: the input is malformed.
    fn read<D: Deserializer<'de>>(&self, de: D, cx: &mut Cx, at: &Path<'_>) -> Result<Option<T>, D::Error>;

    /// Reads one more item of a repeated query-string key into `slot`.
    fn read_repeated<D: Deserializer<'de>>(
        &self,
        de: D,
        slot: &mut Slot<T>,
        cx: &mut Cx,
        at: &Path<'_>,
    ) -> Result<(), D::Error> {
        let _ = slot;
        cx.report(at, ErrorCode::DuplicateField, "appears more than once");
        de.deserialize_ignored_any(IgnoredAny).map(|_| ())
    }

    /// The value of an absent field when absence is allowed (`None` for `Option`).
    fn absent(&self) -> Option<T> {
        None
    }
}

/// The state of one field while its object is being read.
#[derive(Debug)]
pub enum Slot<T> {
    /// Not seen yet.
    Absent,
    /// Seen, invalid; the error is recorded.
    Invalid,
    /// Seen and valid.
    Value(T),
}

/// A [`DeserializeSeed`] that reads one value through its rules.
#[allow(missing_debug_implementations)]
pub(crate) struct ReadSeed<'r, 'c, 'p, R, T> {
    rules: &'r R,
    cx: &'c mut Cx,
    at: &'p Path<'p>,
    marker: PhantomData<fn() -> T>,
}

impl<'r, 'c, 'p, R, T> ReadSeed<'r, 'c, 'p, R, T> {
    /// A seed reading a `T` at `at` through `rules`.
    #[inline]
    pub(crate) fn new(rules: &'r R, cx: &'c mut Cx, at: &'p Path<'p>) -> Self {
        ReadSeed { rules, cx, at, marker: PhantomData }
    }
}

impl<'de, R: Read<'de, T>, T> DeserializeSeed<'de> for ReadSeed<'_, '_, '_, R, T> {
    type Value = Option<T>;

    #[inline(always)]
    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Option<T>, D::Error> {
        self.rules.read(de, self.cx, self.at)
    }
}

struct RepeatSeed<'r, 'c, 'p, 's, R, T> {
    rules: &'r R,
    slot: &'s mut Slot<T>,
    cx: &'c mut Cx,
    at: &'p Path<'p>,
}

impl<'de, R: Read<'de, T>, T> DeserializeSeed<'de> for RepeatSeed<'_, '_, '_, '_, R, T> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<(), D::Error> {
        self.rules.read_repeated(de, self.slot, self.cx, self.at)
    }
}

/// Reads the value of the field whose key was just read into `slot`.
/// A second occurrence of the key is a `duplicate_field` error (JSON parsers
/// disagree on which duplicate wins; an attacker can use the disagreement to
/// get one value past a proxy and another into the handler), except for
/// list fields in query strings, where each occurrence is one item.
#[inline]
pub fn read_field<'de, A, R, T>(
    map: &mut A,
    slot: &mut Slot<T>,
    rules: &R,
    cx: &mut Cx,
    at: &Path<'_>,
) -> Result<(), A::Error>
where
    A: MapAccess<'de>,
    R: Read<'de, T>,
{
    match slot {
        Slot::Absent => {
            *slot = match map.next_value_seed(ReadSeed::new(rules, cx, at))? {
                Some(v) => Slot::Value(v),
                None => Slot::Invalid,
            };
            Ok(())
        }
        _ if R::REPEATABLE && cx.mode() == Mode::Query => map.next_value_seed(RepeatSeed { rules, slot, cx, at }),
        _ => {
            cx.report(at, ErrorCode::DuplicateField, "appears more than once");
            map.next_value::<IgnoredAny>().map(|_| ())
        }
    }
}

/// Turns a field's slot into its final value once the object is read:
/// an absent field takes its default, or its rules' absent value (`None` for
/// `Option`), or is reported as missing.
#[inline]
pub fn finish_field<'de, R, T>(
    slot: Slot<T>,
    rules: &R,
    default: Option<fn() -> T>,
    cx: &mut Cx,
    at: &Path<'_>,
) -> Option<T>
where
    R: Read<'de, T>,
{
    match slot {
        Slot::Value(v) => Some(v),
        Slot::Invalid => None,
        Slot::Absent => {
            if let Some(default) = default {
                Some(default())
            } else if let Some(v) = rules.absent() {
                Some(v)
            } else {
                cx.report(at, ErrorCode::MissingField, "is required");
                None
            }
        }
    }
}

/// Consumes the rest of a sequence that is not going to be used.
pub(crate) fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Consumes the rest of a map that is not going to be used.
pub(crate) fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Records "wrong JSON type" and gives the visitor's invalid result.
#[cold]
pub(crate) fn wrong_type<T>(cx: &mut Cx, at: &Path<'_>, expecting: &'static str) -> Option<T> {
    cx.report(at, ErrorCode::InvalidType, Message::expected(expecting));
    None
}

/// Implements the `Visitor` methods for the JSON types a visitor does not
/// accept: each records `invalid_type` and consumes the value, so the parse
/// continues with the next field. The visitor must have `cx` and `at` fields
/// and an `EXPECTING` constant, and its `Value` must be `Option<_>`.
macro_rules! reject_unexpected {
    (@one bool) => {
        fn visit_bool<E: ::serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($crate::request::field::wrong_type(self.cx, self.at, Self::EXPECTING))
        }
    };
    (@one int) => {
        fn visit_i64<E: ::serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($crate::request::field::wrong_type(self.cx, self.at, Self::EXPECTING))
        }
        fn visit_u64<E: ::serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($crate::request::field::wrong_type(self.cx, self.at, Self::EXPECTING))
        }
        fn visit_i128<E: ::serde::de::Error>(self, _: i128) -> Result<Self::Value, E> {
            Ok($crate::request::field::wrong_type(self.cx, self.at, Self::EXPECTING))
        }
        fn visit_u128<E: ::serde::de::Error>(self, _: u128) -> Result<Self::Value, E> {
            Ok($crate::request::field::wrong_type(self.cx, self.at, Self::EXPECTING))
        }
    };
    (@one float) => {
        fn visit_f64<E: ::serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($crate::request::field::wrong_type(self.cx, self.at, Self::EXPECTING))
        }
    };
    (@one str) => {
        fn visit_str<E: ::serde::de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($crate::request::field::wrong_type(self.cx, self.at, Self::EXPECTING))
        }
    };
    (@one bytes) => {
        fn visit_bytes<E: ::serde::de::Error>(self, _: &[u8]) -> Result<Self::Value, E> {
            Ok($crate::request::field::wrong_type(self.cx, self.at, Self::EXPECTING))
        }
    };
    (@one unit) => {
        fn visit_unit<E: ::serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok($crate::request::field::wrong_type(self.cx, self.at, Self::EXPECTING))
        }
        fn visit_none<E: ::serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok($crate::request::field::wrong_type(self.cx, self.at, Self::EXPECTING))
        }
    };
    (@one seq) => {
        fn visit_seq<A: ::serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            $crate::request::field::drain_seq(seq)?;
            Ok($crate::request::field::wrong_type(self.cx, self.at, Self::EXPECTING))
        }
    };
    (@one map) => {
        fn visit_map<A: ::serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
            $crate::request::field::drain_map(map)?;
            Ok($crate::request::field::wrong_type(self.cx, self.at, Self::EXPECTING))
        }
    };
    ($($kind:ident),* $(,)?) => {
        $( reject_unexpected!(@one $kind); )*
    };
}
pub(crate) use reject_unexpected;
