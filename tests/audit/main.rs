//! The audit: the checklist, routes and types of a test service as JSON
//! (compared with the expected value here), each rule of a `Policy`, the
//! panic of `assert_policy`, and the registry of annotated types.
//!
//! The crate denies warnings and forbids unsafe code: the registration the
//! macros generate (through inventory) must pass both.
#![deny(warnings)]
#![forbid(unsafe_code)]

mod openapi;
mod policy;
mod registry;
mod service;
