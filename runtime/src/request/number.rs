//! Numeric fields: every integer type and `f32`/`f64`, each with a `range`.
//!
//! A JSON number that does not fit the Rust type is `out_of_range`, not a
//! silent wrap or a parse failure. Floats must be finite: NaN and the
//! infinities break arithmetic, ordering and serialization downstream, and
//! query strings (`x=NaN`, `x=inf`) can carry them even where JSON cannot.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserializer, Error, Visitor};

use super::context::{Cx, Mode, Path};
use super::error::{ErrorCode, Message, Number};
use super::field::{Check, Read, reject_unexpected};
use super::string::one_of_message;

/// The rules of an integer field: `range = min..=max`, optionally `one_of`.
#[derive(Debug, Clone, Copy)]
pub struct IntRules<N: 'static> {
    /// Smallest allowed value.
    pub min: N,
    /// Largest allowed value.
    pub max: N,
    /// Allowed values; empty means any in range.
    pub one_of: &'static [N],
}

/// The rules of a float field: `range = min..=max` or `min..max`.
#[derive(Debug, Clone, Copy)]
pub struct FloatRules<N> {
    /// Smallest allowed value.
    pub min: N,
    /// Largest allowed value (or the first excluded one, with `max_exclusive`).
    pub max: N,
    /// Written `min..max`: `max` itself is not allowed.
    pub max_exclusive: bool,
}

/// An integer type a field can have.
pub trait Int: Copy + PartialOrd + fmt::Display + 'static {
    /// The value for a message.
    fn number(self) -> Number;
    /// Converts when the value fits.
    fn from_i128(v: i128) -> Option<Self>;
    /// Converts when the value fits.
    fn from_u128(v: u128) -> Option<Self>;
    /// Asks the deserializer for this type (the widest type for 128-bit integers).
    fn deserialize_with<'de, D: Deserializer<'de>, V: Visitor<'de>>(de: D, v: V) -> Result<V::Value, D::Error>;
}

macro_rules! int_impls {
    ($($t:ty => $method:ident),* $(,)?) => {$(
        impl Int for $t {
            #[allow(clippy::cast_lossless, trivial_numeric_casts)]
            fn number(self) -> Number {
                if <$t>::MIN == 0 as $t { Number::UInt(self as u128) } else { Number::Int(self as i128) }
            }
            #[inline]
            fn from_i128(v: i128) -> Option<Self> {
                <$t>::try_from(v).ok()
            }
            #[inline]
            fn from_u128(v: u128) -> Option<Self> {
                <$t>::try_from(v).ok()
            }
            #[inline]
            fn deserialize_with<'de, D: Deserializer<'de>, V: Visitor<'de>>(de: D, v: V) -> Result<V::Value, D::Error> {
                de.$method(v)
            }
        }
    )*};
}

// `deserialize_any` for everything a JSON number can hold; the 128-bit types
// ask for themselves so the format can give more than 64 bits.
int_impls! {
    u8 => deserialize_any, u16 => deserialize_any, u32 => deserialize_any, u64 => deserialize_any,
    usize => deserialize_any, i8 => deserialize_any, i16 => deserialize_any, i32 => deserialize_any,
    i64 => deserialize_any, isize => deserialize_any, u128 => deserialize_u128, i128 => deserialize_i128,
}

impl<N: Int> IntRules<N> {
    #[inline]
    fn accept(&self, v: Option<N>, cx: &mut Cx, at: &Path<'_>) -> Option<N> {
        match v {
            Some(v) if self.min <= v && v <= self.max => {
                if self.one_of.is_empty() || self.one_of.contains(&v) {
                    Some(v)
                } else {
                    cx.report(at, ErrorCode::NotAllowed, one_of_message(self.one_of));
                    None
                }
            }
            _ => {
                cx.report(at, ErrorCode::OutOfRange, Message::range(self.min.number(), self.max.number(), false));
                None
            }
        }
    }
}

struct IntVisitor<'r, 'c, 'p, N: 'static> {
    rules: &'r IntRules<N>,
    cx: &'c mut Cx,
    at: &'p Path<'p>,
}

impl<N> IntVisitor<'_, '_, '_, N> {
    const EXPECTING: &'static str = "an integer";
}

impl<'de, N: Int> Visitor<'de> for IntVisitor<'_, '_, '_, N> {
    type Value = Option<N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::EXPECTING)
    }

    #[inline]
    fn visit_u64<E: Error>(self, v: u64) -> Result<Option<N>, E> {
        Ok(self.rules.accept(N::from_u128(v.into()), self.cx, self.at))
    }

    #[inline]
    fn visit_i64<E: Error>(self, v: i64) -> Result<Option<N>, E> {
        Ok(self.rules.accept(N::from_i128(v.into()), self.cx, self.at))
    }

    fn visit_u128<E: Error>(self, v: u128) -> Result<Option<N>, E> {
        Ok(self.rules.accept(N::from_u128(v), self.cx, self.at))
    }

    fn visit_i128<E: Error>(self, v: i128) -> Result<Option<N>, E> {
        Ok(self.rules.accept(N::from_i128(v), self.cx, self.at))
    }

    fn visit_str<E: Error>(self, s: &str) -> Result<Option<N>, E> {
        if self.cx.mode() != Mode::Query {
            return Ok(super::field::wrong_type(self.cx, self.at, Self::EXPECTING));
        }
        // Query strings carry numbers as text. Parse as the widest type so
        // that a too-large value is `out_of_range`, not `invalid_type`.
        let parsed = if let Some(digits) = s.strip_prefix('-') {
            digits.parse::<u128>().ok().map(|m| i128::try_from(m).ok().and_then(|m| m.checked_neg()).map(N::from_i128))
        } else {
            s.strip_prefix('+').unwrap_or(s).parse::<u128>().ok().map(|v| Some(N::from_u128(v)))
        };
        match parsed {
            Some(fits) => Ok(self.rules.accept(fits.flatten(), self.cx, self.at)),
            None => Ok(super::field::wrong_type(self.cx, self.at, Self::EXPECTING)),
        }
    }

    /// JSON integer literals beyond 64 bits arrive as floats: those are out
    /// of range; a fractional number is not an integer at all.
    fn visit_f64<E: Error>(self, v: f64) -> Result<Option<N>, E> {
        const BEYOND_64_BITS: f64 = 9_223_372_036_854_775_808.0; // 2^63
        if v.is_finite() && v.fract() == 0.0 && v.abs() >= BEYOND_64_BITS {
            Ok(self.rules.accept(None, self.cx, self.at))
        } else {
            Ok(super::field::wrong_type(self.cx, self.at, Self::EXPECTING))
        }
    }

    reject_unexpected!(bool, bytes, unit, seq, map);
}

impl<'de, N: Int> Read<'de, N> for IntRules<N> {
    #[inline]
    fn read<D: Deserializer<'de>>(&self, de: D, cx: &mut Cx, at: &Path<'_>) -> Result<Option<N>, D::Error> {
        N::deserialize_with(de, IntVisitor { rules: self, cx, at })
    }
}

impl<N: Int> Check<N> for IntRules<N> {
    fn check(&self, value: &N, cx: &mut Cx, at: &Path<'_>) {
        self.accept(Some(*value), cx, at);
    }
}

/// A float type a field can have.
pub trait Float: Copy + PartialOrd + fmt::Display + 'static {
    /// Converts from `f64`, rounding to the nearest value of the type.
    fn from_f64(v: f64) -> Self;
    /// Widens to `f64`.
    fn to_f64(self) -> f64;
}

impl Float for f64 {
    #[inline]
    fn from_f64(v: f64) -> Self {
        v
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
}

impl Float for f32 {
    #[inline]
    fn from_f64(v: f64) -> Self {
        // Rounds to the nearest f32 (beyond `f32::MAX`: infinity); the
        // caller checks the range on the result.
        #[allow(clippy::cast_possible_truncation)]
        let v = v as f32;
        v
    }
    #[inline]
    fn to_f64(self) -> f64 {
        self.into()
    }
}

impl<N: Float> FloatRules<N> {
    #[inline]
    fn accept(&self, v: f64, cx: &mut Cx, at: &Path<'_>) -> Option<N> {
        if !v.is_finite() {
            cx.report(at, ErrorCode::NotFinite, "must be a finite number");
            return None;
        }
        // The range applies to the value the field will hold: `0.99999999`
        // is below 1.0 as an f64 but rounds to 1.0 as an f32, which
        // `0.0..1.0` excludes (and `validate_request` would then refuse).
        let converted = N::from_f64(v);
        let (w, min, max) = (converted.to_f64(), self.min.to_f64(), self.max.to_f64());
        let below_max = if self.max_exclusive { w < max } else { w <= max };
        if min <= w && below_max {
            Some(converted)
        } else {
            let (min, max) = (Number::Float(self.min.to_f64()), Number::Float(self.max.to_f64()));
            cx.report(at, ErrorCode::OutOfRange, Message::range(min, max, self.max_exclusive));
            None
        }
    }
}

struct FloatVisitor<'r, 'c, 'p, N> {
    rules: &'r FloatRules<N>,
    cx: &'c mut Cx,
    at: &'p Path<'p>,
    marker: PhantomData<N>,
}

impl<N> FloatVisitor<'_, '_, '_, N> {
    const EXPECTING: &'static str = "a number";
}

impl<'de, N: Float> Visitor<'de> for FloatVisitor<'_, '_, '_, N> {
    type Value = Option<N>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::EXPECTING)
    }

    #[inline]
    fn visit_f64<E: Error>(self, v: f64) -> Result<Option<N>, E> {
        Ok(self.rules.accept(v, self.cx, self.at))
    }

    #[inline]
    #[allow(clippy::cast_precision_loss)] // nearest float: what a JSON number means
    fn visit_u64<E: Error>(self, v: u64) -> Result<Option<N>, E> {
        Ok(self.rules.accept(v as f64, self.cx, self.at))
    }

    #[inline]
    #[allow(clippy::cast_precision_loss)]
    fn visit_i64<E: Error>(self, v: i64) -> Result<Option<N>, E> {
        Ok(self.rules.accept(v as f64, self.cx, self.at))
    }

    fn visit_str<E: Error>(self, s: &str) -> Result<Option<N>, E> {
        if self.cx.mode() != Mode::Query {
            return Ok(super::field::wrong_type(self.cx, self.at, Self::EXPECTING));
        }
        // `str::parse::<f64>` accepts "NaN", "inf" and "infinity": they reach
        // `accept` and are rejected there as `not_finite`.
        match s.parse::<f64>() {
            Ok(v) => Ok(self.rules.accept(v, self.cx, self.at)),
            Err(_) => Ok(super::field::wrong_type(self.cx, self.at, Self::EXPECTING)),
        }
    }

    reject_unexpected!(bool, bytes, unit, seq, map);
}

impl<'de, N: Float> Read<'de, N> for FloatRules<N> {
    #[inline]
    fn read<D: Deserializer<'de>>(&self, de: D, cx: &mut Cx, at: &Path<'_>) -> Result<Option<N>, D::Error> {
        de.deserialize_any(FloatVisitor { rules: self, cx, at, marker: PhantomData })
    }
}

impl<N: Float> Check<N> for FloatRules<N> {
    fn check(&self, value: &N, cx: &mut Cx, at: &Path<'_>) {
        self.accept(value.to_f64(), cx, at);
    }
}
