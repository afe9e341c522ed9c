//! `bool` and `char`: bounded by nature, no rule needed.

use std::fmt;

use serde::de::{Deserializer, Error, Visitor};

use super::context::{Cx, Mode, Path};
use super::error::ErrorCode;
use super::field::{Check, Read, reject_unexpected, wrong_type};

/// The (empty) rules of a `bool` or `char` field.
#[derive(Debug, Clone, Copy)]
pub struct PlainRules;

struct BoolVisitor<'c, 'p> {
    cx: &'c mut Cx,
    at: &'p Path<'p>,
}

impl BoolVisitor<'_, '_> {
    const EXPECTING: &'static str = "a boolean";
}

impl<'de> Visitor<'de> for BoolVisitor<'_, '_> {
    type Value = Option<bool>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::EXPECTING)
    }

    fn visit_bool<E: Error>(self, v: bool) -> Result<Option<bool>, E> {
        Ok(Some(v))
    }

    fn visit_str<E: Error>(self, s: &str) -> Result<Option<bool>, E> {
        // Query strings: exactly `true` or `false`, as JSON spells them.
        match (self.cx.mode(), s) {
            (Mode::Query, "true") => Ok(Some(true)),
            (Mode::Query, "false") => Ok(Some(false)),
            _ => Ok(wrong_type(self.cx, self.at, Self::EXPECTING)),
        }
    }

    reject_unexpected!(int, float, bytes, unit, seq, map);
}

impl<'de> Read<'de, bool> for PlainRules {
    fn read<D: Deserializer<'de>>(&self, de: D, cx: &mut Cx, at: &Path<'_>) -> Result<Option<bool>, D::Error> {
        de.deserialize_any(BoolVisitor { cx, at })
    }
}

impl Check<bool> for PlainRules {
    fn check(&self, _: &bool, _: &mut Cx, _: &Path<'_>) {}
}

struct CharVisitor<'c, 'p> {
    cx: &'c mut Cx,
    at: &'p Path<'p>,
}

impl CharVisitor<'_, '_> {
    const EXPECTING: &'static str = "a single character";
}

impl<'de> Visitor<'de> for CharVisitor<'_, '_> {
    type Value = Option<char>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::EXPECTING)
    }

    fn visit_char<E: Error>(self, c: char) -> Result<Option<char>, E> {
        Ok(self.accept(c))
    }

    fn visit_str<E: Error>(self, s: &str) -> Result<Option<char>, E> {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Ok(self.accept(c)),
            _ => Ok(wrong_type(self.cx, self.at, Self::EXPECTING)),
        }
    }

    reject_unexpected!(bool, int, float, bytes, unit, seq, map);
}

impl CharVisitor<'_, '_> {
    fn accept(self, c: char) -> Option<char> {
        if c == '\0' {
            self.cx.report(self.at, ErrorCode::NulByte, "must not be a NUL character");
            None
        } else {
            Some(c)
        }
    }
}

impl<'de> Read<'de, char> for PlainRules {
    fn read<D: Deserializer<'de>>(&self, de: D, cx: &mut Cx, at: &Path<'_>) -> Result<Option<char>, D::Error> {
        de.deserialize_any(CharVisitor { cx, at })
    }
}

impl Check<char> for PlainRules {
    fn check(&self, c: &char, cx: &mut Cx, at: &Path<'_>) {
        if *c == '\0' {
            cx.report(at, ErrorCode::NulByte, "must not be a NUL character");
        }
    }
}
