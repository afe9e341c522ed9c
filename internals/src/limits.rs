//! The security reference's ceilings: the defaults of the crate-wide policy
//! (which a crate may only lower) and fixed limits both crates apply.

/// The longest e-mail address accepted (RFC 5321's path limit): `email`
/// implies this upper length bound, and the run-time check enforces it.
pub const MAX_EMAIL_LEN: usize = 254;

/// The default ceiling on a string's `len`, in characters.
pub const MAX_STRING_LEN: u64 = 10_000;

/// The default ceiling on a collection's `max_items`.
pub const MAX_ITEMS: u64 = 100;

/// The default ceiling on a page size in a query string.
pub const MAX_PAGE_SIZE: u64 = 100;

/// The page size of a page-size field marked `default` without a value.
pub const DEFAULT_PAGE_SIZE: u64 = 20;

/// The default longest query string, in bytes, checked before parsing.
pub const MAX_QUERY_LEN: u64 = 500;
