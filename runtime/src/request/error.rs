//! Errors of request parsing and validation.
//!
//! Every error carries the field path as it appears on the wire (serde renames
//! applied), a stable [`ErrorCode`] and a message built only from the rule
//! (its bounds), never from the rejected value: error bodies end up in logs,
//! browser consoles and support tickets, and a rejected value may be a
//! password.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

/// Stable machine-readable error codes. The string form ([`ErrorCode::as_str`])
/// is part of the public API and never changes for an existing variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// A string is shorter than its `len` minimum.
    TooShort,
    /// A string is longer than its `len` maximum.
    TooLong,
    /// A number lies outside its `range`.
    OutOfRange,
    /// A float is NaN or infinite.
    NotFinite,
    /// A string contains a NUL (`\0`) character.
    NulByte,
    /// The object has a field the type does not declare.
    UnknownField,
    /// The object names the same field twice.
    DuplicateField,
    /// A required field is absent.
    MissingField,
    /// The value is not one of the allowed values (`one_of`).
    NotAllowed,
    /// The string is not an e-mail address.
    InvalidEmail,
    /// The string does not match the field's `pattern`.
    PatternMismatch,
    /// A list, set or map holds more items than `max_items`.
    TooManyItems,
    /// The value has the wrong JSON type (a string where a number belongs, `null` for a required field...).
    InvalidType,
    /// An enum value or tag names no variant.
    UnknownVariant,
    /// A tagged enum's tag field is absent.
    MissingTag,
    /// The value could not be read as the field's type (an invalid UUID, a date out of range...).
    InvalidValue,
    /// The input nests deeper than the depth limit.
    TooDeep,
    /// More errors than are reported; the rest were dropped.
    TooManyErrors,
    /// The body is not well-formed (a JSON syntax error, trailing characters...).
    Malformed,
    /// The query string is longer than the policy allows.
    QueryTooLong,
    /// The body is larger than the policy allows.
    BodyTooLarge,
    /// The request's content type is not the one the endpoint accepts.
    UnsupportedMediaType,
}

impl ErrorCode {
    /// The stable string form, e.g. `too_long`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::TooShort => "too_short",
            ErrorCode::TooLong => "too_long",
            ErrorCode::OutOfRange => "out_of_range",
            ErrorCode::NotFinite => "not_finite",
            ErrorCode::NulByte => "nul_byte",
            ErrorCode::UnknownField => "unknown_field",
            ErrorCode::DuplicateField => "duplicate_field",
            ErrorCode::MissingField => "missing_field",
            ErrorCode::NotAllowed => "not_allowed",
            ErrorCode::InvalidEmail => "invalid_email",
            ErrorCode::PatternMismatch => "pattern_mismatch",
            ErrorCode::TooManyItems => "too_many_items",
            ErrorCode::InvalidType => "invalid_type",
            ErrorCode::UnknownVariant => "unknown_variant",
            ErrorCode::MissingTag => "missing_tag",
            ErrorCode::InvalidValue => "invalid_value",
            ErrorCode::TooDeep => "too_deep",
            ErrorCode::TooManyErrors => "too_many_errors",
            ErrorCode::Malformed => "malformed",
            ErrorCode::QueryTooLong => "query_too_long",
            ErrorCode::BodyTooLarge => "body_too_large",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One step of a [`FieldPath`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathSegment {
    /// A field of an object, by its wire name (or a map key that passed its rules).
    Field(Cow<'static, str>),
    /// An item of a list, counted from 0.
    Index(usize),
}

/// Where in the request an error sits, as the client wrote it:
/// `items[3].name`, `address.zip`, `tags[0]`. The empty path is the request itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct FieldPath(Vec<PathSegment>);

impl FieldPath {
    /// The path of the request itself.
    pub const fn root() -> Self {
        FieldPath(Vec::new())
    }

    /// The segments, outermost first.
    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    /// Whether this is the path of the request itself.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn from_segments(segments: Vec<PathSegment>) -> Self {
        FieldPath(segments)
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Field(name) => {
                    if i > 0 {
                        f.write_char('.')?;
                    }
                    f.write_str(name)?;
                }
                PathSegment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

impl Serialize for FieldPath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A number in a message: a rule's bound. Not public API (the rule traits
/// name it).
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub enum Number {
    Int(i128),
    UInt(u128),
    Float(f64),
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(n) => write!(f, "{n}"),
            Number::UInt(n) => write!(f, "{n}"),
            Number::Float(n) => write!(f, "{n}"),
        }
    }
}

/// The human-readable sentence of an error, kept as the rule's data and
/// rendered only when read: rejecting a request costs no formatting.
#[derive(Debug, Clone)]
pub struct Message(MessageKind);

#[derive(Debug, Clone)]
enum MessageKind {
    Text(Cow<'static, str>),
    /// "must be at least 3 characters"
    Count {
        at_least: bool,
        n: usize,
        unit: &'static str,
    },
    /// "must be between 1 and 99" / "must be at least 0 and less than 1"
    Range {
        min: Number,
        max: Number,
        max_exclusive: bool,
    },
    /// "must be one of: user, viewer"
    OneOf(&'static [&'static str]),
    /// "expected a string"
    Expected(&'static str),
}

impl Message {
    pub(crate) fn count(at_least: bool, n: usize, unit: &'static str) -> Self {
        Message(MessageKind::Count { at_least, n, unit })
    }

    pub(crate) fn range(min: Number, max: Number, max_exclusive: bool) -> Self {
        Message(MessageKind::Range { min, max, max_exclusive })
    }

    pub(crate) fn one_of(allowed: &'static [&'static str]) -> Self {
        Message(MessageKind::OneOf(allowed))
    }

    pub(crate) fn expected(what: &'static str) -> Self {
        Message(MessageKind::Expected(what))
    }
}

impl From<&'static str> for Message {
    fn from(text: &'static str) -> Self {
        Message(MessageKind::Text(Cow::Borrowed(text)))
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Message(MessageKind::Text(Cow::Owned(text)))
    }
}

impl From<Cow<'static, str>> for Message {
    fn from(text: Cow<'static, str>) -> Self {
        Message(MessageKind::Text(text))
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            MessageKind::Text(text) => f.write_str(text),
            MessageKind::Count { at_least, n, unit } => {
                let bound = if *at_least { "at least" } else { "at most" };
                let plural = if *n == 1 { "" } else { "s" };
                write!(f, "must be {bound} {n} {unit}{plural}")
            }
            MessageKind::Range { min, max, max_exclusive: false } => write!(f, "must be between {min} and {max}"),
            MessageKind::Range { min, max, max_exclusive: true } => {
                write!(f, "must be at least {min} and less than {max}")
            }
            MessageKind::OneOf(allowed) => {
                f.write_str("must be one of: ")?;
                for (i, a) in allowed.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(a)?;
                }
                Ok(())
            }
            MessageKind::Expected(what) => write!(f, "expected {what}"),
        }
    }
}

impl Message {
    fn as_cow(&self) -> Cow<'_, str> {
        match &self.0 {
            MessageKind::Text(text) => Cow::Borrowed(text),
            _ => Cow::Owned(self.to_string()),
        }
    }
}

/// Messages are equal when they read the same.
impl PartialEq for Message {
    fn eq(&self, other: &Self) -> bool {
        self.as_cow() == other.as_cow()
    }
}

impl Eq for Message {}

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    path: FieldPath,
    code: ErrorCode,
    message: Message,
}

impl FieldError {
    /// An error at `path`. `message` must not contain the rejected value.
    pub fn new(path: FieldPath, code: ErrorCode, message: impl Into<Message>) -> Self {
        FieldError { path, code, message: message.into() }
    }

    /// Where the error sits, as the client wrote it.
    pub fn path(&self) -> &FieldPath {
        &self.path
    }

    /// The stable error code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// A human-readable sentence built from the rule, never from the value.
    pub fn message(&self) -> Cow<'_, str> {
        self.message.as_cow()
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_root() {
            write!(f, "{}: {}", self.code, self.message)
        } else {
            write!(f, "{}: {}: {}", self.path, self.code, self.message)
        }
    }
}

impl Serialize for FieldError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("FieldError", 3)?;
        s.serialize_field("field", &self.path)?;
        s.serialize_field("code", &self.code)?;
        s.serialize_field("message", &format_args!("{}", self.message))?;
        s.end()
    }
}

/// Everything wrong with one request: every field's errors, not only the first.
///
/// Serializes as `{"errors": [{"field": "tags[3]", "code": "too_long", "message": "..."}]}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestError {
    errors: Vec<FieldError>,
}

impl RequestError {
    /// A request error made of these field errors (at least one).
    pub fn new(errors: Vec<FieldError>) -> Self {
        debug_assert!(!errors.is_empty());
        RequestError { errors }
    }

    /// A request error with a single error.
    pub fn single(path: FieldPath, code: ErrorCode, message: impl Into<Message>) -> Self {
        RequestError { errors: vec![FieldError::new(path, code, message)] }
    }

    /// The field errors, in the order the input presented them.
    pub fn errors(&self) -> &[FieldError] {
        &self.errors
    }

    /// Whether any error has this code.
    pub fn has_code(&self, code: ErrorCode) -> bool {
        self.errors.iter().any(|e| e.code == code)
    }

    /// The first error at the path written as `path` (`items[3].name`).
    pub fn at(&self, path: &str) -> Option<&FieldError> {
        self.errors.iter().find(|e| e.path.to_string() == path)
    }

    /// Converts into the error type of the `validator` crate, so that code
    /// written against `validator::Validate` sees the same errors (feature
    /// `validator`).
    #[cfg(feature = "validator")]
    #[cfg_attr(docsrs, doc(cfg(feature = "validator")))]
    pub fn into_validation_errors(self) -> validator::ValidationErrors {
        super::validator_compat::to_validation_errors(self.errors)
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid request: ")?;
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            fmt::Display::fmt(e, f)?;
        }
        Ok(())
    }
}

impl std::error::Error for RequestError {}

impl Serialize for RequestError {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut m = serializer.serialize_map(Some(1))?;
        m.serialize_entry("errors", &self.errors)?;
        m.end()
    }
}
