//! The token lifecycle: refresh tokens rotated on every use, reuse
//! detection that revokes a whole family, revocation of refresh and access
//! tokens, and token cookies that cannot be made insecure.
//!
//! The security reference asks for 15-minute access tokens, 7-day refresh
//! tokens rotated on every use, revocation, and tokens in HttpOnly Secure
//! cookies rather than local storage. The pieces:
//!
//! * [`RefreshToken`]: `rt_` and 256 random bits from the OS; only its
//!   SHA-256 ([`RefreshTokenHash`], compared in constant time) is stored,
//!   in a [`RefreshRecord`] bound to a caller, a client and a family;
//! * [`RefreshTokenStore`]: [`MemoryRefreshTokenStore`], or
//!   `RedisRefreshTokenStore` (feature `redis`; a rotation is one Lua
//!   script, one round trip). [`rotate`](RefreshTokenStore::rotate) is the
//!   atomic step: of concurrent uses of one token exactly one wins;
//! * [`TokenService`] (feature `jwt`): logins ([`Grant`]) start a family,
//!   [`refresh`](TokenService::refresh) rotates and mints a fresh access
//!   token through the [`JwtIssuer`](crate::auth::jwt::JwtIssuer), and
//!   revocation of tokens, families and access tokens;
//! * [`AccessTokenDenylist`]: revoked access tokens by `jti`, each only
//!   until its `exp` ([`MemoryDenylist`], `RedisDenylist`); a
//!   [`JwtValidator`](crate::auth::jwt::JwtValidator) built with
//!   `.denylist(..)` asks it after the signature;
//! * [`TokenCookie`] (feature `http`): `__Host-`, `HttpOnly`, `Secure`,
//!   `SameSite`, `Path=/`, no `Domain`, with no way to leave one out;
//!   [`CsrfPolicy`] the proof that a cookie-authenticated unsafe request
//!   comes from the application's own pages.
//!
//! # Family revocation
//!
//! Each login starts a family; each refresh marks the presented token
//! rotated and stores its successor in the same family. A rotated token
//! presented again means two parties hold copies of one token, and the
//! server cannot tell which is the thief: it revokes the whole family (RFC
//! 9700 section 4.14.2), so the attacker's copy and the legitimate holder's
//! current token both stop working and the user logs in again. Two clients
//! racing with one token are the same case: exactly one rotation wins, the
//! other finds the token rotated and revokes the family. A token presented
//! by another client than the one it was issued to revokes the family too.
//! With a denylist, revoking a family also denies every access token of it
//! that has not expired ([`IssuedAccess`], recorded by each rotation in the
//! same atomic step).
//! Rotated tokens are kept until their session ends, so reuse is recognised
//! for as long as the family could live.

#[cfg(feature = "http")]
mod cookie;
#[cfg(feature = "http")]
mod csrf;
mod denylist;
mod error;
mod family;
mod memory;
#[cfg(feature = "redis")]
mod redis;
mod refresh;
#[cfg(feature = "jwt")]
mod service;
mod store;

#[cfg(feature = "http")]
pub use cookie::{CookieError, HOST_PREFIX, MAX_COOKIE_VALUE_LEN, SameSite, TokenCookie};
#[cfg(feature = "http")]
pub use csrf::{CsrfError, CsrfPolicy};
#[cfg(feature = "jwt")]
pub(crate) use denylist::SharedDenylist;
pub use denylist::{AccessTokenDenylist, DENYLIST_GRACE, MAX_JTI_LEN, MemoryDenylist};
pub use error::{TokenError, TokenStoreError};
pub use family::{FamilyId, IssuedAccess, RefreshRecord, Rotation};
pub use memory::MemoryRefreshTokenStore;
#[cfg(feature = "redis")]
pub use redis::{RedisDenylist, RedisRefreshTokenStore};
pub use refresh::{REFRESH_TOKEN_BYTES, REFRESH_TOKEN_LEN, REFRESH_TOKEN_PREFIX, RefreshToken, RefreshTokenHash};
#[cfg(feature = "jwt")]
pub use service::{
    CLIENT_ID_CLAIM, DEFAULT_REFRESH_LIFETIME, DEFAULT_SESSION_LIFETIME, Grant, MAX_REFRESH_LIFETIME, TokenPair,
    TokenService,
};
pub use store::RefreshTokenStore;
