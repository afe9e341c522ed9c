//! Request parsing and validation: JSON and query strings end to end, attacks,
//! no echo of rejected values, properties, enums, validator interop.
//!
//! One test binary per area: each links axum, tokio, redis and jsonwebtoken,
//! so fewer binaries is less time spent linking.

mod attacks;
mod enums;
mod extractors;
mod json;
mod no_echo;
mod properties;
mod query;
mod validator_compat;
