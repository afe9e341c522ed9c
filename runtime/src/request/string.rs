//! String fields: `String`, `Box<str>` and `Cow<str>`.
//!
//! A string is checked on the borrowed `&str` the deserializer hands over and
//! only copied once it passed, so an oversized or invalid string costs no
//! allocation of ours.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserializer, Error, Visitor};

use super::context::{Cx, Path};
use super::error::{ErrorCode, Message};
use super::field::{Check, Read, reject_unexpected};
use super::pattern::Pattern;
use super::{email, length};

/// The rules of one string field (`len`, `trim`, `email`, `pattern`, `one_of`, `fallback`).
#[derive(Debug, Clone, Copy)]
pub struct StrRules {
    /// Minimum length in Unicode scalar values (after trimming).
    pub min: usize,
    /// Maximum length in Unicode scalar values (after trimming).
    pub max: usize,
    /// Strip leading and trailing whitespace before checking and storing.
    pub trim: bool,
    /// Require an e-mail address (the WHATWG HTML syntax).
    pub email: bool,
    /// Require the whole value to match this pattern.
    pub pattern: Option<&'static Pattern>,
    /// Allowed values; empty means any.
    pub one_of: &'static [&'static str],
    /// Replaces a value outside `one_of` instead of rejecting it.
    pub fallback: Option<&'static str>,
}

impl StrRules {
    /// Rules that only bound the length: the start of every rule set.
    pub const fn max_len(max: usize) -> Self {
        StrRules { min: 0, max, trim: false, email: false, pattern: None, one_of: &[], fallback: None }
    }
}

/// What a string turns into once it passed its rules.
enum Accepted<'s> {
    /// This part of the input (all of it, or the trimmed part).
    Input(&'s str),
    /// The `fallback`, because the input was not `one_of` the allowed values.
    Fallback(&'static str),
}

impl StrRules {
    /// Applies the rules to `s`; `None` when an error was recorded.
    /// The first failing rule is reported: a value that is too long is not
    /// run through the pattern as well.
    #[inline(always)]
    fn accept<'s>(&self, s: &'s str, scan_nul: bool, cx: &mut Cx, at: &Path<'_>) -> Option<Accepted<'s>> {
        if scan_nul && has_nul(s) {
            cx.report(at, ErrorCode::NulByte, "must not contain NUL characters");
            return None;
        }
        let s = if self.trim { s.trim() } else { s };
        if !self.one_of.is_empty() {
            // One of a fixed list: length rules are implied by the list.
            return if self.one_of.contains(&s) {
                Some(Accepted::Input(s))
            } else if let Some(fallback) = self.fallback {
                Some(Accepted::Fallback(fallback))
            } else {
                cx.report(at, ErrorCode::NotAllowed, Message::one_of(self.one_of));
                None
            };
        }
        if !self.check_len_email_pattern(s, cx, at) {
            return None;
        }
        Some(Accepted::Input(s))
    }

    #[inline(always)]
    fn check_len_email_pattern(&self, s: &str, cx: &mut Cx, at: &Path<'_>) -> bool {
        match length::classify(s, self.min, self.max) {
            length::Fit::Within => {}
            length::Fit::Short => {
                cx.report(at, ErrorCode::TooShort, Message::count(true, self.min, "character"));
                return false;
            }
            length::Fit::Long => {
                cx.report(at, ErrorCode::TooLong, Message::count(false, self.max, "character"));
                return false;
            }
        }
        if self.email && !email::is_email(s) {
            cx.report(at, ErrorCode::InvalidEmail, "must be an e-mail address");
            return false;
        }
        if let Some(pattern) = self.pattern
            && !pattern.is_full_match(s)
        {
            cx.report(at, ErrorCode::PatternMismatch, "does not have the required format");
            return false;
        }
        true
    }
}

/// Whether `s` contains a NUL. Most request strings are short: for them a
/// word-at-a-time scan (the classic "has a zero byte" bit trick) beats
/// memchr's setup cost; long ones get memchr's SIMD scan. Hand-written
/// because it runs on every string of every request.
#[inline(always)]
fn has_nul(s: &str) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let bytes = s.as_bytes();
    if bytes.len() >= 64 {
        return memchr::memchr(0, bytes).is_some();
    }
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let v = u64::from_le_bytes(<[u8; 8]>::try_from(word).unwrap_or([1; 8]));
        if v.wrapping_sub(ONES) & !v & HIGHS != 0 {
            return true;
        }
    }
    // Not `contains`: for u8 it calls the generic memchr, measurably slower on
    // the few bytes left here.
    #[allow(clippy::manual_contains)]
    let nul = words.remainder().iter().any(|&b| b == 0);
    nul
}

/// "must be one of: ..." for values that are not strings (formatted now: rare).
#[cold]
pub(crate) fn one_of_message<T: fmt::Display>(allowed: &[T]) -> String {
    let mut m = String::from("must be one of: ");
    for (i, a) in allowed.iter().enumerate() {
        if i > 0 {
            m.push_str(", ");
        }
        m.push_str(&a.to_string());
    }
    m
}

/// A string type a field can have.
pub trait StrField<'de>: Sized + AsRef<str> {
    /// From a slice that lives as long as the input (borrowed where the type can borrow).
    fn from_borrowed(s: &'de str) -> Self;
    /// From a transient slice.
    fn from_transient(s: &str) -> Self;
    /// From the part `start..start + len` of an owned string, reusing its allocation.
    fn from_owned(s: String, start: usize, len: usize) -> Self;
    /// From a rule's constant.
    fn from_static(s: &'static str) -> Self;
}

impl<'de> StrField<'de> for String {
    #[inline(always)]
    fn from_borrowed(s: &'de str) -> Self {
        s.to_owned()
    }
    #[inline(always)]
    fn from_transient(s: &str) -> Self {
        s.to_owned()
    }
    #[inline(always)]
    fn from_owned(mut s: String, start: usize, len: usize) -> Self {
        s.truncate(start + len);
        s.drain(..start);
        s
    }
    #[inline(always)]
    fn from_static(s: &'static str) -> Self {
        s.to_owned()
    }
}

impl<'de> StrField<'de> for Box<str> {
    #[inline(always)]
    fn from_borrowed(s: &'de str) -> Self {
        s.into()
    }
    #[inline(always)]
    fn from_transient(s: &str) -> Self {
        s.into()
    }
    #[inline(always)]
    fn from_owned(s: String, start: usize, len: usize) -> Self {
        String::from_owned(s, start, len).into_boxed_str()
    }
    #[inline(always)]
    fn from_static(s: &'static str) -> Self {
        s.into()
    }
}

impl<'de: 'a, 'a> StrField<'de> for Cow<'a, str> {
    #[inline(always)]
    fn from_borrowed(s: &'de str) -> Self {
        Cow::Borrowed(s)
    }
    #[inline(always)]
    fn from_transient(s: &str) -> Self {
        Cow::Owned(s.to_owned())
    }
    #[inline(always)]
    fn from_owned(s: String, start: usize, len: usize) -> Self {
        Cow::Owned(String::from_owned(s, start, len))
    }
    #[inline(always)]
    fn from_static(s: &'static str) -> Self {
        Cow::Borrowed(s)
    }
}

struct StrVisitor<'r, 'c, 'p, T> {
    rules: &'r StrRules,
    cx: &'c mut Cx,
    at: &'p Path<'p>,
    marker: PhantomData<fn() -> T>,
}

impl<T> StrVisitor<'_, '_, '_, T> {
    const EXPECTING: &'static str = "a string";
}

impl<'de, T: StrField<'de>> Visitor<'de> for StrVisitor<'_, '_, '_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(Self::EXPECTING)
    }

    #[inline(always)]
    fn visit_borrowed_str<E: Error>(self, s: &'de str) -> Result<Option<T>, E> {
        let scan_nul = !self.cx.borrowed_nul_free();
        Ok(self.rules.accept(s, scan_nul, self.cx, self.at).map(|a| match a {
            Accepted::Input(s) => T::from_borrowed(s),
            Accepted::Fallback(f) => T::from_static(f),
        }))
    }

    #[inline(always)]
    fn visit_str<E: Error>(self, s: &str) -> Result<Option<T>, E> {
        Ok(self.rules.accept(s, true, self.cx, self.at).map(|a| match a {
            Accepted::Input(s) => T::from_transient(s),
            Accepted::Fallback(f) => T::from_static(f),
        }))
    }

    fn visit_string<E: Error>(self, s: String) -> Result<Option<T>, E> {
        let (start, len) = match self.rules.accept(&s, true, self.cx, self.at) {
            None => return Ok(None),
            Some(Accepted::Fallback(f)) => return Ok(Some(T::from_static(f))),
            // `accept` only ever narrows to a subslice (trimming).
            Some(Accepted::Input(a)) => (a.as_ptr() as usize - s.as_ptr() as usize, a.len()),
        };
        Ok(Some(T::from_owned(s, start, len)))
    }

    reject_unexpected!(bool, int, float, bytes, unit, seq, map);
}

impl<'de, T: StrField<'de>> Read<'de, T> for StrRules {
    #[inline(always)]
    fn read<D: Deserializer<'de>>(&self, de: D, cx: &mut Cx, at: &Path<'_>) -> Result<Option<T>, D::Error> {
        de.deserialize_any(StrVisitor { rules: self, cx, at, marker: PhantomData })
    }
}

impl<T: AsRef<str>> Check<T> for StrRules {
    fn check(&self, value: &T, cx: &mut Cx, at: &Path<'_>) {
        let s = value.as_ref();
        if has_nul(s) {
            cx.report(at, ErrorCode::NulByte, "must not contain NUL characters");
            return;
        }
        let s = if self.trim { s.trim() } else { s };
        if !self.one_of.is_empty() {
            // The fallback is applied while parsing; a value set later must be allowed itself.
            if !self.one_of.contains(&s) {
                cx.report(at, ErrorCode::NotAllowed, Message::one_of(self.one_of));
            }
            return;
        }
        self.check_len_email_pattern(s, cx, at);
    }
}
