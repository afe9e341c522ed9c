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

/// Makes a struct or enum a validated request type. See the `apishield` crate.
#[proc_macro_attribute]
pub fn secure_request(args: TokenStream, input: TokenStream) -> TokenStream {
    request::expand(args.into(), input.into()).into()
}
