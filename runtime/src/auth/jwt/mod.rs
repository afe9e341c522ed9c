//! JWT validation that cannot be misconfigured (feature `jwt`).
//!
//! [`JwtValidator`] is built with a type-state builder whose `build()`
//! compiles only after an issuer and an audience are set. Its keys each
//! carry their one algorithm ([`JwtKey`]: PEM, DER, a JWK set by `kid`, or
//! an [`HmacSecret`] of 32+ bytes from the environment or a file), so the
//! accepted algorithms are configuration, never the token header's choice.
//! [`JwtIssuer`] mints tokens with the same defaults. With the `jwks`
//! feature, `RemoteJwks` fetches an identity provider's JWK set (its URL or
//! OpenID Connect discovery), caches and refreshes it, and refetches it when
//! a token names a new `kid`, at most once per interval.
//!
//! Signature verification is jsonwebtoken's, with its pure-Rust backend
//! named explicitly (never its process-wide default, which panics at first
//! use when no backend or both are enabled). Everything around it is done
//! here, because jsonwebtoken's defaults leave gaps, each measured by a test
//! in `tests/auth/jwt_gaps.rs` where bare jsonwebtoken accepts a token that
//! [`JwtValidator`] rejects:
//!
//! | jsonwebtoken 12 | [`JwtValidator`] |
//! | --- | --- |
//! | only `exp` required; `set_audience`/`set_issuer` still accept tokens without `aud`/`iss` (its issue 493) | `sub`, `exp`, `iat`, `iss`, `aud` required ([`JwtError::MissingClaim`]) |
//! | `nbf` not checked unless `validate_nbf` | `nbf` honoured ([`JwtError::NotYetValid`]) |
//! | `iat` never checked | future `iat` refused ([`JwtError::IssuedInFuture`]) |
//! | 60 s leeway, inclusive | 30 s, and valid strictly before `exp + leeway` ([`JwtError::Expired`]) |
//! | any lifetime | `exp - iat` at most 15 min ([`JwtError::LifetimeTooLong`]) |
//! | HMAC with a short key (only an empty one is refused) | [`HmacSecret`]: 32+ bytes, not from a literal |
//! | `typ` ignored | optional explicit typing ([`JwtError::WrongType`]) |
//! | a multi-megabyte token parsed | 8 KiB limit before decoding ([`JwtError::TooLarge`]) |
//! | duplicate claim: last value wins | refused ([`JwtError::DuplicateClaim`]) |
//! | `iss` as an array accepted | a string only ([`JwtError::InvalidClaim`]) |
//!
//! Also refused: `alg: none` in any casing, algorithms not configured,
//! unknown or hostile `kid`s, `jku`/`x5u`/`jwk`/`x5c` headers, bad base64url
//! or JSON, unknown `crit` extensions ([`JwtError::UnsupportedCrit`];
//! jsonwebtoken 12 refuses them too, 11 did not), and of course bad
//! signatures. Every reason is its own
//! [`JwtError`] variant; none echoes the token.
//!
//! A token that passed is remembered, with the key set that verified it
//! ([`JwtValidatorBuilder::verified_token_cache`]): the same bytes again
//! skip decoding and signature, while the time checks and the denylist run
//! on every request, and a replaced key set sends every remembered token
//! through the full check again.

mod algorithm;
mod builder;
mod claims;
mod error;
mod issuer;
mod json;
mod jwk;
mod keys;
#[cfg(feature = "jwks")]
mod remote;
mod secret;
mod settings;
mod source;
mod validator;
mod verified;

pub use algorithm::JwtAlgorithm;
pub use builder::{
    DEFAULT_MAX_LIFETIME, DEFAULT_VERIFIED_TOKEN_CACHE, ExternalIssuer, JwtValidatorBuilder, MAX_LEEWAY, state,
};
pub use claims::ValidatedToken;
pub use error::{Claim, JwtError, JwtIssueError, JwtKeyError};
pub use issuer::{JwtIssuer, JwtSigningKey, TokenBuilder};
pub use keys::{JwtKey, JwtKeys, MAX_KID_LEN, MIN_RSA_BITS, is_valid_kid};
#[cfg(feature = "jwks")]
pub use remote::{JwksError, JwksStatus, RemoteJwks, RemoteJwksBuilder};
pub use secret::{HmacSecret, MIN_HMAC_SECRET_LEN};
pub use settings::{JwtSettingsError, JwtValidatorSettings};
pub use source::JwtKeySource;
pub use validator::JwtValidator;
