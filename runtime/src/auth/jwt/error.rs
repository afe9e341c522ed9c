//! Why a token, a key or an issuance was refused.
//!
//! Every variant is a fixed reason: no error carries or prints the token, a
//! claim value, a key id from the token or any key material, so an error can
//! be logged and even returned to a client without leaking anything.

use std::fmt;

/// A claim the validator reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Claim {
    /// `sub`, the subject (required).
    Sub,
    /// `exp`, the expiry (required).
    Exp,
    /// `iat`, the issue time (required).
    Iat,
    /// `nbf`, the start of validity (optional, honoured when present).
    Nbf,
    /// `iss`, the issuer (required).
    Iss,
    /// `aud`, the audience (required).
    Aud,
    /// `jti`, the token id (optional).
    Jti,
    /// The roles claim (`roles` unless configured otherwise).
    Roles,
    /// `scope` (space-separated) or `scp` (array or space-separated).
    Scope,
}

impl Claim {
    /// The claim's name (`"roles"` for [`Claim::Roles`] whatever the
    /// configured name, `"scope"` for both scope claims).
    pub const fn as_str(self) -> &'static str {
        match self {
            Claim::Sub => "sub",
            Claim::Exp => "exp",
            Claim::Iat => "iat",
            Claim::Nbf => "nbf",
            Claim::Iss => "iss",
            Claim::Aud => "aud",
            Claim::Jti => "jti",
            Claim::Roles => "roles",
            Claim::Scope => "scope",
        }
    }
}

impl fmt::Display for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a token was rejected: one kind per reason, so tests, logs and
/// metrics can tell the attacks apart. The client should see only "invalid
/// token" (RFC 6750 `invalid_token`); [`code`](Self::code) is for logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum JwtError {
    /// Longer than the validator's maximum size (8 KiB by default); nothing
    /// was decoded.
    TooLarge,
    /// Not a compact JWS: not exactly three dot-separated segments, an empty
    /// header or payload, or a header without a string `alg`.
    Malformed,
    /// A segment is not unpadded, canonical base64url.
    Base64,
    /// The header or the payload is not a JSON object.
    Json,
    /// A header parameter name appears twice.
    DuplicateHeader,
    /// A claim name appears twice (at any depth): parsers disagree on which
    /// value wins (`"role":"user","role":"admin"`), so neither is trusted.
    DuplicateClaim,
    /// `alg` is `none`, in any casing: an unsigned token.
    AlgorithmNone,
    /// `alg` is not one of the validator's configured algorithms (this is
    /// where an RS256-to-HS256 confusion attempt ends).
    AlgorithmNotAllowed,
    /// `alg` is configured, but not for the key the token selects.
    AlgorithmMismatch,
    /// The validator holds several keys and the token names none (`kid`).
    MissingKid,
    /// The token's `kid` names no configured key. Other keys are not tried.
    UnknownKid,
    /// The `kid` is not a plain identifier (path traversal, SQL, control
    /// characters, more than 256 bytes).
    InvalidKid,
    /// The header carries a key or a key location (`jku`, `x5u`, `jwk`,
    /// `x5c`): these are never fetched nor trusted.
    UntrustedKeyHeader,
    /// The header has `crit` (RFC 7515 section 4.1.11): this validator
    /// understands no extension, so it must reject the token.
    UnsupportedCrit,
    /// `typ` is not the configured type (RFC 8725 explicit typing).
    WrongType,
    /// The signature does not verify with the selected key: tampered,
    /// truncated, signed by another key, `r = s = 0`, ...
    BadSignature,
    /// A required claim (`sub`, `exp`, `iat`, `iss`, `aud`) is absent.
    MissingClaim(Claim),
    /// A claim has the wrong type or shape (`exp` as a string, `iss` as an
    /// array, an empty `aud`, `exp` before `iat`, ...).
    InvalidClaim(Claim),
    /// `iss` is not a configured issuer.
    WrongIssuer,
    /// `aud` names none of the configured audiences.
    WrongAudience,
    /// `exp` has passed (leeway included; a token is valid strictly before
    /// `exp`, RFC 7519 section 4.1.4).
    Expired,
    /// `nbf` is in the future, beyond the leeway.
    NotYetValid,
    /// `iat` is in the future, beyond the leeway.
    IssuedInFuture,
    /// `exp - iat` exceeds the maximum lifetime (15 minutes by default).
    LifetimeTooLong,
    /// The token's `jti` is on the validator's
    /// [denylist](crate::auth::token::AccessTokenDenylist): it was revoked.
    Revoked,
    /// The denylist could not be asked (its store is down): the token is
    /// refused, and a server answers 503, not 401.
    RevocationUnavailable,
    /// The validator has a denylist, which only
    /// [`validate_async`](super::JwtValidator::validate_async) asks: the
    /// synchronous [`validate`](super::JwtValidator::validate) refuses every
    /// token rather than skip the revocation check.
    RevocationUnchecked,
}

impl JwtError {
    /// A stable, snake_case code for logs and metrics.
    pub const fn code(self) -> &'static str {
        match self {
            JwtError::TooLarge => "token_too_large",
            JwtError::Malformed => "malformed",
            JwtError::Base64 => "invalid_base64",
            JwtError::Json => "invalid_json",
            JwtError::DuplicateHeader => "duplicate_header",
            JwtError::DuplicateClaim => "duplicate_claim",
            JwtError::AlgorithmNone => "alg_none",
            JwtError::AlgorithmNotAllowed => "alg_not_allowed",
            JwtError::AlgorithmMismatch => "alg_key_mismatch",
            JwtError::MissingKid => "missing_kid",
            JwtError::UnknownKid => "unknown_kid",
            JwtError::InvalidKid => "invalid_kid",
            JwtError::UntrustedKeyHeader => "untrusted_key_header",
            JwtError::UnsupportedCrit => "unsupported_crit",
            JwtError::WrongType => "wrong_type",
            JwtError::BadSignature => "bad_signature",
            JwtError::MissingClaim(_) => "missing_claim",
            JwtError::InvalidClaim(_) => "invalid_claim",
            JwtError::WrongIssuer => "wrong_issuer",
            JwtError::WrongAudience => "wrong_audience",
            JwtError::Expired => "expired",
            JwtError::NotYetValid => "not_yet_valid",
            JwtError::IssuedInFuture => "issued_in_future",
            JwtError::LifetimeTooLong => "lifetime_too_long",
            JwtError::Revoked => "revoked",
            JwtError::RevocationUnavailable => "revocation_unavailable",
            JwtError::RevocationUnchecked => "revocation_unchecked",
        }
    }
}

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtError::TooLarge => f.write_str("token rejected: larger than the maximum size"),
            JwtError::Malformed => f.write_str("token rejected: not a compact JWS"),
            JwtError::Base64 => f.write_str("token rejected: a segment is not base64url"),
            JwtError::Json => f.write_str("token rejected: header or payload is not a JSON object"),
            JwtError::DuplicateHeader => f.write_str("token rejected: duplicate header parameter"),
            JwtError::DuplicateClaim => f.write_str("token rejected: duplicate claim name"),
            JwtError::AlgorithmNone => f.write_str("token rejected: unsigned (alg none)"),
            JwtError::AlgorithmNotAllowed => f.write_str("token rejected: algorithm not allowed"),
            JwtError::AlgorithmMismatch => f.write_str("token rejected: algorithm does not match the key"),
            JwtError::MissingKid => f.write_str("token rejected: no key id"),
            JwtError::UnknownKid => f.write_str("token rejected: unknown key id"),
            JwtError::InvalidKid => f.write_str("token rejected: invalid key id"),
            JwtError::UntrustedKeyHeader => f.write_str("token rejected: key or key URL in the header"),
            JwtError::UnsupportedCrit => f.write_str("token rejected: unsupported critical header"),
            JwtError::WrongType => f.write_str("token rejected: wrong token type"),
            JwtError::BadSignature => f.write_str("token rejected: invalid signature"),
            JwtError::MissingClaim(claim) => write!(f, "token rejected: missing claim `{claim}`"),
            JwtError::InvalidClaim(claim) => write!(f, "token rejected: invalid claim `{claim}`"),
            JwtError::WrongIssuer => f.write_str("token rejected: wrong issuer"),
            JwtError::WrongAudience => f.write_str("token rejected: wrong audience"),
            JwtError::Expired => f.write_str("token rejected: expired"),
            JwtError::NotYetValid => f.write_str("token rejected: not yet valid"),
            JwtError::IssuedInFuture => f.write_str("token rejected: issued in the future"),
            JwtError::LifetimeTooLong => f.write_str("token rejected: lifetime longer than allowed"),
            JwtError::Revoked => f.write_str("token rejected: revoked"),
            JwtError::RevocationUnavailable => f.write_str("token rejected: the revocation list is unavailable"),
            JwtError::RevocationUnchecked => {
                f.write_str("token rejected: the validator has a denylist; call validate_async")
            }
        }
    }
}

impl std::error::Error for JwtError {}

/// Why a key, a secret or a JWK set could not be loaded. Startup errors:
/// they say what is wrong with the configuration, never the key itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtKeyError {
    /// The environment variable holding the secret is not set.
    SecretMissing,
    /// The secret file could not be read.
    SecretUnreadable(std::io::ErrorKind),
    /// The HMAC secret is shorter than the algorithm needs (32 bytes for
    /// HS256, 48 for HS384, 64 for HS512).
    SecretTooShort {
        /// The minimum length in bytes.
        min: usize,
    },
    /// Not a parseable key of the algorithm's type (or the curve does not
    /// match: a P-384 key for ES256).
    InvalidKey,
    /// Private key material where a public key belongs: a private PEM given
    /// to a validator, a JWK with `d`, a symmetric (`oct`) key in a JWK set.
    PrivateKeyMaterial,
    /// An RSA modulus shorter than 2048 bits (RFC 7518 section 3.3).
    WeakRsaKey,
    /// The key type does not fit the algorithm (a PEM for HS256, a secret
    /// for RS256).
    AlgorithmMismatch,
    /// A JWK without `alg` whose type fits several configured algorithms.
    AmbiguousAlgorithm,
    /// A key id outside the accepted syntax (see [`JwtError::InvalidKid`]).
    InvalidKid,
    /// Two keys with the same key id.
    DuplicateKid,
    /// Several keys without a key id: tokens could not select one.
    AmbiguousKeys,
    /// No usable key (an empty set, or a JWK set none of whose keys fits the
    /// configured algorithms).
    NoKeys,
    /// The JWK set is not a JSON object with a `keys` array.
    InvalidJwkSet,
    /// The operating system's random generator failed.
    Randomness,
}

impl fmt::Display for JwtKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtKeyError::SecretMissing => f.write_str("the HMAC secret's environment variable is not set"),
            JwtKeyError::SecretUnreadable(kind) => write!(f, "the HMAC secret file cannot be read: {kind}"),
            JwtKeyError::SecretTooShort { min } => write!(f, "the HMAC secret is shorter than {min} bytes"),
            JwtKeyError::InvalidKey => f.write_str("not a valid key for this algorithm"),
            JwtKeyError::PrivateKeyMaterial => f.write_str("private key material where a public key belongs"),
            JwtKeyError::WeakRsaKey => f.write_str("RSA key shorter than 2048 bits"),
            JwtKeyError::AlgorithmMismatch => f.write_str("the key type does not fit the algorithm"),
            JwtKeyError::AmbiguousAlgorithm => f.write_str("a JWK without `alg` fits several configured algorithms"),
            JwtKeyError::InvalidKid => f.write_str("invalid key id"),
            JwtKeyError::DuplicateKid => f.write_str("two keys with the same key id"),
            JwtKeyError::AmbiguousKeys => f.write_str("several keys without a key id"),
            JwtKeyError::NoKeys => f.write_str("no usable key"),
            JwtKeyError::InvalidJwkSet => f.write_str("not a JWK set"),
            JwtKeyError::Randomness => f.write_str("the OS random generator failed"),
        }
    }
}

impl std::error::Error for JwtKeyError {}

/// Why [`JwtIssuer`](super::JwtIssuer) could not mint a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtIssueError {
    /// The subject is empty.
    EmptySubject,
    /// A custom claim uses a name the issuer sets itself (`iss`, `sub`,
    /// `aud`, `exp`, `iat`, `nbf`, `jti`, the roles claim, `scope`).
    ReservedClaim,
    /// A custom claim value could not be serialized to JSON, or the
    /// [`token_id`](super::TokenBuilder::token_id) is empty.
    InvalidClaim,
    /// The signature could not be computed.
    Signing,
    /// The operating system's random generator failed (for `jti`).
    Randomness,
}

impl fmt::Display for JwtIssueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwtIssueError::EmptySubject => f.write_str("cannot issue a token: empty subject"),
            JwtIssueError::ReservedClaim => f.write_str("cannot issue a token: custom claim with a reserved name"),
            JwtIssueError::InvalidClaim => f.write_str("cannot issue a token: a claim is not serializable"),
            JwtIssueError::Signing => f.write_str("cannot issue a token: signing failed"),
            JwtIssueError::Randomness => f.write_str("cannot issue a token: the OS random generator failed"),
        }
    }
}

impl std::error::Error for JwtIssueError {}
