//! Why an API key was refused, or could not be issued.

use std::fmt;

/// Why an API key was refused (or an issuance failed). Fixed reasons only:
/// no variant carries or prints the key.
///
/// A client should see one generic "invalid API key" (401) for every
/// authentication failure and 403 for [`MissingScope`](Self::MissingScope);
/// the variants are for logs, metrics and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ApiKeyError {
    /// The `Authorization` header is not exactly `ApiKey <key>` (extra
    /// whitespace, empty, too long).
    MalformedHeader,
    /// The header uses another scheme (e.g. `Bearer`).
    WrongScheme,
    /// Not a key of this format (length, prefix, alphabet).
    Malformed,
    /// The format is right but the checksum is not: a typo or a made-up
    /// key, refused without any store lookup.
    BadChecksum,
    /// A test key on a live server, or a live key on a test server.
    WrongEnvironment,
    /// A publishable (`pk-`) key where a secret key is required.
    PublishableKey,
    /// No such key in the store.
    UnknownKey,
    /// The key was revoked.
    Revoked,
    /// The key expired (or its record claims a lifetime above 90 days).
    Expired,
    /// Rotating: the key was already rotated (its successor exists and it is
    /// in its grace period). Each key has at most one successor; rotate the
    /// successor instead, or revoke both.
    AlreadyRotated,
    /// The key is valid but lacks the scope the operation requires.
    MissingScope,
    /// Issuing: a lifetime above 90 days.
    ExpiryTooLong,
    /// Issuing: an empty or over-long owner, or one with control characters.
    InvalidOwner,
    /// Issuing: a scope outside RFC 6749's scope-token syntax, over 128
    /// bytes, or more than 100 scopes.
    InvalidScope,
    /// A stored record is inconsistent (a custom store returned garbage).
    InvalidRecord,
    /// The operating system's random generator failed.
    Randomness,
    /// The store failed (logged with `tracing`); the request should be
    /// answered 503, not 401.
    StoreUnavailable,
}

impl ApiKeyError {
    /// A stable, snake_case code for logs and metrics.
    pub const fn code(self) -> &'static str {
        match self {
            ApiKeyError::MalformedHeader => "malformed_header",
            ApiKeyError::WrongScheme => "wrong_scheme",
            ApiKeyError::Malformed => "malformed",
            ApiKeyError::BadChecksum => "bad_checksum",
            ApiKeyError::WrongEnvironment => "wrong_environment",
            ApiKeyError::PublishableKey => "publishable_key",
            ApiKeyError::UnknownKey => "unknown_key",
            ApiKeyError::Revoked => "revoked",
            ApiKeyError::Expired => "expired",
            ApiKeyError::AlreadyRotated => "already_rotated",
            ApiKeyError::MissingScope => "missing_scope",
            ApiKeyError::ExpiryTooLong => "expiry_too_long",
            ApiKeyError::InvalidOwner => "invalid_owner",
            ApiKeyError::InvalidScope => "invalid_scope",
            ApiKeyError::InvalidRecord => "invalid_record",
            ApiKeyError::Randomness => "randomness",
            ApiKeyError::StoreUnavailable => "store_unavailable",
        }
    }
}

impl fmt::Display for ApiKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ApiKeyError::MalformedHeader => "API key rejected: malformed Authorization header",
            ApiKeyError::WrongScheme => "API key rejected: the Authorization scheme is not ApiKey",
            ApiKeyError::Malformed => "API key rejected: not an API key",
            ApiKeyError::BadChecksum => "API key rejected: bad checksum",
            ApiKeyError::WrongEnvironment => "API key rejected: wrong environment",
            ApiKeyError::PublishableKey => "API key rejected: publishable key",
            ApiKeyError::UnknownKey => "API key rejected: unknown key",
            ApiKeyError::Revoked => "API key rejected: revoked",
            ApiKeyError::Expired => "API key rejected: expired",
            ApiKeyError::AlreadyRotated => "API key not rotated: it was already rotated",
            ApiKeyError::MissingScope => "API key rejected: missing scope",
            ApiKeyError::ExpiryTooLong => "API key not issued: lifetime above 90 days",
            ApiKeyError::InvalidOwner => "API key not issued: invalid owner",
            ApiKeyError::InvalidScope => "API key not issued: invalid scope",
            ApiKeyError::InvalidRecord => "API key rejected: inconsistent stored record",
            ApiKeyError::Randomness => "API key not issued: the OS random generator failed",
            ApiKeyError::StoreUnavailable => "API key store unavailable",
        })
    }
}

impl std::error::Error for ApiKeyError {}
