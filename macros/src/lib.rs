//! Procedural macros of apishield. Use them through the `apishield` crate,
//! whose documentation describes them; generated code refers to
//! `::apishield::__private` only.
//!
//! Every macro is built the same way: parse the item into a model that keeps
//! the original syntax for spans, check the model against the policy while
//! collecting every error (`ctxt`), then expand. On error the original item is
//! still emitted (without the helper attributes) next to the errors, so the
//! IDE keeps its type information and each error stands alone.

mod ctxt;
mod names;
mod policy;
mod request;

use proc_macro::TokenStream;

/// Makes a struct or enum a validated request type.
///
/// Every field needs a bound that fits its type — `len` for strings, `range`
/// for numbers, `max_items` for collections — or a type that validates
/// itself; privileged names (`role`, `is_admin`, ...) need `one_of` or an
/// explicit `client_settable`; `#[secure_request(query)]` also refuses
/// credentials in query strings and unbounded page sizes. Each violation is a
/// compile error on the field, with the fix:
///
/// ```compile_fail
/// use apishield::prelude::*;
///
/// #[secure_request]
/// pub struct Note {
///     pub title: String, // error: `title` is a string with no upper length bound
/// }
/// ```
///
/// ```
/// use apishield::prelude::*;
///
/// #[secure_request]
/// pub struct Note {
///     #[shield(len = 1..=200, trim)]
///     pub title: String,
/// }
///
/// let note = Note::from_json(br#"{"title": " Groceries "}"#).unwrap();
/// assert_eq!(note.title, "Groceries");
/// assert!(Note::from_json(br#"{"title": "x", "pinned": true}"#).is_err());
/// ```
///
/// Generated: `serde::Deserialize` (validating, unknown fields denied),
/// `apishield::SecureRequest` and `validator::Validate`. The README lists
/// every rule and every error.
#[proc_macro_attribute]
pub fn secure_request(args: TokenStream, input: TokenStream) -> TokenStream {
    request::expand(args.into(), input.into()).into()
}
