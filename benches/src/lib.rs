//! Parse + validate benchmarks for apishield.
//!
//! The same request, [`CreateUser`](plain::CreateUser) with 20 tags and a
//! nested address, implemented five ways (one module per contender), fed the
//! same JSON documents from [`inputs`]:
//!
//! | module             | what it does                                                  |
//! |--------------------|---------------------------------------------------------------|
//! | [`plain`]          | serde derive only, no validation: the floor                   |
//! | [`with_validator`] | serde derive + `validator::Validate`, parse then `validate()` |
//! | [`with_garde`]     | serde derive + `garde::Validate`, parse then `validate()`     |
//! | [`hand_written`]   | serde derive + a hand-written check function                  |
//! | [`shield`]         | `#[apishield::secure_request]`, validates while parsing       |
//!
//! Every module exposes `parse(&[u8]) -> Result<CreateUser, Error>`. The
//! benchmarks live in `benches/request_parse.rs`; the tests below check that
//! every validating contender accepts [`inputs::VALID`] and rejects
//! [`inputs::INVALID`], so the comparison is like for like.

pub mod floor;
pub mod hand_written;
pub mod inputs;
pub mod plain;
pub mod shield;
pub mod with_garde;
pub mod with_validator;

#[cfg(test)]
mod tests;
