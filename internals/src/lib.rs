//! **Not for direct use.** Depend on `apishield`
//! instead: this crate holds what the `apishield` runtime and the
//! `apishield-macros` procedural macros must agree on, so that a rule checked
//! at compile time and the same rule applied at run time come from one
//! source. Its API follows the needs of those two crates and may change in
//! any release, without a major version.
//!
//! * [`cors`]: what a CORS origin, header name, method and `max_age` must be
//!   (`cors!` and `CorsPolicy::builder()`);
//! * [`duration`]: the duration strings (`"24h"`, `"1h30m"`) of
//!   `#[idempotent]` and of policies read from configuration;
//! * [`names`]: how field and parameter names are normalized before they are
//!   compared with the lists;
//! * [`lists`]: the privileged, credential, page-size and secret names;
//! * [`limits`]: the ceilings (string length, items, page size, query
//!   length, e-mail length).
//!
//! It uses `std` only: a proc-macro crate builds it for the host, and every
//! dependency here would be built twice.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cors;
pub mod duration;
pub mod limits;
pub mod lists;
pub mod names;
