//! The generated code is warning-free under the strictest lints a crate may set.
#![deny(warnings, missing_docs, missing_debug_implementations, unreachable_pub, unused_qualifications)]
#![deny(rust_2018_idioms, unused_lifetimes, trivial_casts, trivial_numeric_casts, unused_results)]
#![deny(clippy::all, clippy::pedantic)]

use apishield::prelude::*;

/// A nested type.
#[secure_request]
#[derive(Debug)]
pub struct Inner {
    /// A field.
    #[shield(len = ..=10, pattern = "[a-z]+")]
    pub name: String,
}

/// A tagged enum.
#[secure_request]
#[derive(Debug)]
#[serde(tag = "type", content = "data")]
pub enum Kind {
    /// A unit variant.
    A,
    /// A struct variant.
    B {
        /// A field.
        #[shield(range = 1..=2)]
        n: u8,
    },
    /// A newtype variant.
    C(Inner),
}

/// A unit-only enum.
#[secure_request]
#[derive(Debug)]
pub enum Mode {
    /// On.
    On,
    /// Off.
    Off,
}

/// A request.
#[secure_request]
#[derive(Debug)]
pub struct Outer {
    /// A field.
    #[shield(max_items = 3)]
    pub inner: Vec<Inner>,
    /// A field.
    pub kind: Kind,
    /// A field.
    pub mode: Option<Mode>,
    /// A field.
    #[shield(one_of = ["x"], fallback = "x")]
    pub choice: String,
}

fn main() {
    let _ = Outer::from_json(br#"{"inner":[],"kind":{"type":"A"},"choice":"y"}"#);
}
