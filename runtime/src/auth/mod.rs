//! Who is calling and what they may touch.
//!
//! [`Principal`] is the authenticated caller (made by JWT or API-key
//! authentication); [`Owned`] marks a resource type with an owner field
//! (`#[owned_by]`); a principal turns an owned resource into an
//! [`Authorized`](crate::Authorized) one only if it owns it or is an admin.
//! [`Secret`] holds a credential so that it cannot be logged or serialized
//! by accident.
//!
//! Authentication makes the principal: [`jwt`] (feature `jwt`) validates
//! bearer tokens, [`api_key`] issues and verifies API keys, and
//! [`credentials`] reads the `Authorization` header that carries either.
//! [`pkce`] is for this service's own OAuth clients; [`token`] is the
//! lifecycle of the tokens it mints (refresh, rotation, revocation, cookies).

pub mod api_key;
mod caller;
pub mod credentials;
mod derived;
pub(crate) mod guard;
#[cfg(feature = "jwt")]
pub mod jwt;
mod owner;
pub mod pkce;
mod principal;
mod secret;
pub mod token;

pub use caller::{Caller, CallerId};
pub(crate) use derived::Derived;
pub use guard::FromForbidden;
pub use owner::{Forbidden, Owned, OwnerId};
pub use principal::{ADMIN_ROLE, LOCAL_ISSUER, Principal};
pub use secret::Secret;
