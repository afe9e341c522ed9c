//! Fixture crates built with cargo, as a user's crate is: the crate policy
//! in `[package.metadata.apishield]` (tightened, loosened, changed between
//! builds) and apishield with its default features only.

mod feature_gates;
mod policy;
