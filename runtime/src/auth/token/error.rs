//! Why a token operation failed. No error carries or prints a token.

use std::fmt;

/// Why a refresh, an issuance or a revocation failed. Each refusal of a
/// refresh token is its own variant, for logs and tests; a client should
/// see only RFC 6749's `invalid_grant` ([`is_invalid_grant`](Self::is_invalid_grant)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenError {
    /// Not a refresh token's shape.
    Malformed,
    /// No such refresh token.
    Unknown,
    /// The refresh token (or its session) expired.
    Expired,
    /// The family was revoked.
    Revoked,
    /// An already rotated refresh token was presented again: the family is
    /// now revoked (RFC 9700 section 4.14.2).
    Reused,
    /// Another client presented the refresh token: the family is now
    /// revoked.
    WrongClient,
    /// A grant for a caller of an external issuer: this service's access
    /// tokens name home users only (a home token with an external
    /// subject would be that home user).
    ExternalCaller,
    /// A grant without a subject or a client.
    InvalidGrant,
    /// A lifetime out of bounds (zero, or over the maximum).
    InvalidLifetime,
    /// Access tokens cannot be revoked: no denylist is configured.
    NoDenylist,
    /// The token store or the denylist failed (logged with `tracing`).
    StoreUnavailable,
    /// Minting the access token failed.
    Issue,
    /// The OS random generator failed.
    Randomness,
}

impl TokenError {
    /// A stable snake_case code for logs and metrics.
    pub const fn code(self) -> &'static str {
        match self {
            TokenError::Malformed => "malformed",
            TokenError::Unknown => "unknown_token",
            TokenError::Expired => "expired",
            TokenError::Revoked => "revoked",
            TokenError::Reused => "reused",
            TokenError::WrongClient => "wrong_client",
            TokenError::ExternalCaller => "external_caller",
            TokenError::InvalidGrant => "invalid_grant",
            TokenError::InvalidLifetime => "invalid_lifetime",
            TokenError::NoDenylist => "no_denylist",
            TokenError::StoreUnavailable => "store_unavailable",
            TokenError::Issue => "issue_failed",
            TokenError::Randomness => "randomness",
        }
    }

    /// Whether the client's refresh token was refused (RFC 6749
    /// `invalid_grant`, a 400 from a token endpoint, a 401 from a cookie
    /// refresh), rather than the server failing.
    pub const fn is_invalid_grant(self) -> bool {
        matches!(
            self,
            TokenError::Malformed
                | TokenError::Unknown
                | TokenError::Expired
                | TokenError::Revoked
                | TokenError::Reused
                | TokenError::WrongClient
        )
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenError::Malformed => "not a refresh token",
            TokenError::Unknown => "unknown refresh token",
            TokenError::Expired => "refresh token expired",
            TokenError::Revoked => "refresh token revoked",
            TokenError::Reused => "refresh token reused: its family is revoked",
            TokenError::WrongClient => "refresh token presented by another client: its family is revoked",
            TokenError::ExternalCaller => "access tokens are minted for home users only",
            TokenError::InvalidGrant => "a grant needs a subject and a client",
            TokenError::InvalidLifetime => "lifetime out of bounds",
            TokenError::NoDenylist => "no access-token denylist is configured",
            TokenError::StoreUnavailable => "token store unavailable",
            TokenError::Issue => "access token could not be minted",
            TokenError::Randomness => "the OS random generator failed",
        })
    }
}

impl std::error::Error for TokenError {}

/// A failure of a [`RefreshTokenStore`](super::RefreshTokenStore) or an
/// [`AccessTokenDenylist`](super::AccessTokenDenylist). Callers log it and
/// answer [`TokenError::StoreUnavailable`].
pub struct TokenStoreError(Box<dyn std::error::Error + Send + Sync>);

impl TokenStoreError {
    /// Wraps the cause of a failure.
    pub fn new(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        TokenStoreError(cause.into())
    }
}

impl fmt::Debug for TokenStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TokenStoreError").field(&self.0).finish()
    }
}

impl fmt::Display for TokenStoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "token store failure: {}", self.0)
    }
}

impl std::error::Error for TokenStoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.0)
    }
}
