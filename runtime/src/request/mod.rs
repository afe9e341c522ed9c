//! Request validation: what `#[secure_request]` generates code against.
//!
//! A `#[secure_request]` type validates *while it deserializes*: every field
//! is read through the rules of its `#[shield(...)]` attribute, problems are
//! collected per field (not only the first), and the value exists only if
//! every rule held. There is no "parse, then remember to call `validate()`".
//!
//! ```
//! use apishield::prelude::*;
//!
//! #[secure_request]
//! #[derive(Debug)]
//! pub struct CreateUser {
//!     #[shield(len = 1..=100, trim)]
//!     pub name: String,
//!     #[shield(email)]
//!     pub email: String,
//!     #[shield(range = 13..=150)]
//!     pub age: u8,
//!     #[shield(one_of = ["user", "viewer"], fallback = "user")]
//!     pub role: String,
//!     #[shield(max_items = 20, each(len = 1..=32))]
//!     pub tags: Vec<String>,
//! }
//!
//! let user = CreateUser::from_json(br#"{"name":"  Ada ","email":"ada@example.com","age":36,"role":"admin","tags":["x"]}"#).unwrap();
//! assert_eq!(user.name, "Ada");
//! assert_eq!(user.role, "user"); // not "admin": the fallback applies
//!
//! let err = CreateUser::from_json(br#"{"name":"","email":"nope","age":7,"role":"user","tags":[],"is_admin":true}"#).unwrap_err();
//! let codes: Vec<_> = err.errors().iter().map(|e| (e.path().to_string(), e.code().as_str())).collect();
//! assert_eq!(codes, [
//!     ("name".into(), "too_short"),
//!     ("email".into(), "invalid_email"),
//!     ("age".into(), "out_of_range"),
//!     ("is_admin".into(), "unknown_field"),
//! ]);
//! ```
//!
//! The public surface is the entry points (the methods of
//! [`SecureRequest`]), the traits generic code names ([`ReadRequest`],
//! [`ReadRequestOwned`], [`Bounded`]), the error model ([`RequestError`])
//! and the policy as data ([`RequestPolicy`]). The rules themselves are what
//! generated code calls, reachable only through the hidden `__private`
//! module: `field` holds the two traits every rule implements (`Read` while
//! parsing, `Check` on an existing value); `string`, `number`, `scalar`,
//! `collection`, `nested` and `tagged` implement them per kind of type.

pub(crate) mod collection;
pub(crate) mod context;
pub(crate) mod echo;
mod email;
pub(crate) mod error;
pub(crate) mod field;
mod length;
pub(crate) mod nested;
pub(crate) mod number;
pub(crate) mod parse;
pub(crate) mod pattern;
mod policy;
pub(crate) mod scalar;
pub(crate) mod string;
pub(crate) mod tagged;
#[cfg(feature = "validator")]
mod validator_compat;

pub use context::{MAX_DEPTH, MAX_ERRORS};
pub use error::{ErrorCode, FieldError, FieldPath, Message, PathSegment, RequestError};
pub use nested::{Bounded, ReadRequest, ReadRequestOwned};
pub use policy::{FieldPolicy, RequestKind, RequestPolicy};

use context::{Cx, Mode, Path};
use nested::NestedCheck;

/// A request type whose every value is valid. Implemented by
/// `#[secure_request]`; see the crate documentation for the rules.
///
/// The generated `serde::Deserialize` impl runs the same validation, so a
/// `#[secure_request]` type is also safe behind extractors that know nothing
/// of apishield (axum's `Json`, `serde_json::from_slice`); the methods here
/// return structured errors instead of the format's error text.
///
/// Implemented by `#[secure_request]` only (its supertrait is generated
/// code's); a type of your own that is small and fixed in shape is
/// [`Bounded`] instead.
pub trait SecureRequest: NestedCheck + Sized {
    /// The type's policy, for the audit report.
    const POLICY: &'static RequestPolicy;

    /// Parses and validates a JSON document.
    fn from_json<'de>(json: &'de [u8]) -> Result<Self, RequestError>
    where
        Self: ReadRequest<'de>,
    {
        parse::from_json(json)
    }

    /// Parses and validates a JSON document given as text.
    fn from_json_str<'de>(json: &'de str) -> Result<Self, RequestError>
    where
        Self: ReadRequest<'de>,
    {
        parse::from_json(json.as_bytes())
    }

    /// Parses and validates a query string (without the leading `?`). Longer
    /// than the policy's `max_query_len` (500 bytes unless the crate
    /// tightened it) is rejected before parsing. A list field takes one item
    /// per repetition of its key: `tags=a&tags=b`.
    fn from_query<'de>(query: &'de str) -> Result<Self, RequestError>
    where
        Self: ReadRequest<'de>,
    {
        parse::check_query_len(query, Self::POLICY.max_query_len())?;
        parse::from_urlencoded(query.as_bytes())
    }

    /// Parses and validates an `application/x-www-form-urlencoded` body; the
    /// caller bounds the body's size.
    fn from_form<'de>(body: &'de [u8]) -> Result<Self, RequestError>
    where
        Self: ReadRequest<'de>,
    {
        parse::from_urlencoded(body)
    }

    /// Checks every rule again on the current value (fields are public and
    /// may have changed since parsing). A value that only held because of a
    /// `fallback` must now hold by itself.
    fn validate_request(&self) -> Result<(), RequestError> {
        let mut cx = Cx::new(Mode::Json);
        self.check_nested(&mut cx, &Path::ROOT);
        cx.into_error().map_or(Ok(()), Err)
    }
}
