//! Who is calling and what they may touch.
//!
//! [`Principal`] is the authenticated caller (made by JWT or API-key
//! authentication); [`Owned`] marks a resource type with an owner field
//! (`#[owned_by]`); a principal turns an owned resource into an
//! [`Authorized`](crate::Authorized) one only if it owns it or is an admin.
//! [`Secret`] holds a credential so that it cannot be logged or serialized
//! by accident.

pub(crate) mod guard;
mod owner;
mod principal;
mod secret;

pub use owner::{Forbidden, Owned, OwnerId};
pub use principal::{ADMIN_ROLE, Principal};
pub use secret::Secret;
