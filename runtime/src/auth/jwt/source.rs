//! Where an issuer's keys come from: fixed at startup, or fetched from the
//! identity provider.

use std::sync::Arc;

use super::keys::{JwtKey, JwtKeys};
#[cfg(feature = "jwks")]
use super::remote::RemoteJwks;

/// The keys of one issuer: a fixed [`JwtKey`] or [`JwtKeys`] set, or (feature
/// `jwks`) a [`RemoteJwks`] fetched from the identity provider and kept
/// fresh. What [`JwtValidator::builder`](super::JwtValidator::builder) and
/// [`ExternalIssuer::new`](super::ExternalIssuer::new) take; made with
/// `.into()` (they call it).
#[derive(Debug, Clone)]
pub struct JwtKeySource {
    pub(super) kind: SourceKind,
}

#[derive(Debug, Clone)]
pub(super) enum SourceKind {
    Fixed(JwtKeys),
    #[cfg(feature = "jwks")]
    Remote(RemoteJwks),
}

impl JwtKeySource {
    /// The keys in use now.
    pub fn keys(&self) -> Arc<JwtKeys> {
        match &self.kind {
            SourceKind::Fixed(keys) => Arc::new(keys.clone()),
            #[cfg(feature = "jwks")]
            SourceKind::Remote(remote) => remote.keys(),
        }
    }
}

impl From<JwtKey> for JwtKeySource {
    fn from(key: JwtKey) -> JwtKeySource {
        JwtKeySource { kind: SourceKind::Fixed(key.into()) }
    }
}

impl From<JwtKeys> for JwtKeySource {
    fn from(keys: JwtKeys) -> JwtKeySource {
        JwtKeySource { kind: SourceKind::Fixed(keys) }
    }
}

#[cfg(feature = "jwks")]
impl From<RemoteJwks> for JwtKeySource {
    fn from(remote: RemoteJwks) -> JwtKeySource {
        JwtKeySource { kind: SourceKind::Remote(remote) }
    }
}
