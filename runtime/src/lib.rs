// The README is the crate's documentation (docs.rs shows what GitHub does).
// Its examples are fragments (they elide the request body, the principal,
// the router) and are marked `ignore`; the same code compiles in the module
// documentation, the ui-tests' pass cases and `examples/`.
#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]
// One builder style: by-value setters returning `Self`, each `#[must_use]`.
#![warn(clippy::return_self_not_must_use)]

#[cfg(feature = "axum")]
pub mod audit;
pub mod auth;
#[cfg(feature = "axum")]
pub mod axum;
pub mod client_addr;
mod config;
pub mod cors;
mod feature_gate;
#[cfg(feature = "http")]
pub mod headers;
pub mod idempotency;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod rate_limit;
pub mod request;
pub mod response;
#[cfg(feature = "axum")]
pub mod routing;
#[cfg(feature = "schemars")]
pub mod schema;
pub mod store;
pub mod telemetry;
pub mod time;
pub mod upload;
pub mod webhook;

pub use apishield_macros::{
    cors, idempotent, owned_by, public, requires_role, requires_scope, secure_request, secure_response,
};
pub use auth::api_key::{ApiKey, ApiKeyError, ApiKeyIssuer, ApiKeyStore, ApiKeyVerifier, MemoryApiKeyStore};
#[cfg(feature = "jwt")]
pub use auth::jwt::{HmacSecret, JwtError, JwtIssuer, JwtKey, JwtValidator, ValidatedToken};
pub use auth::{ADMIN_ROLE, Caller, CallerId, Forbidden, Owned, OwnerId, Principal, Secret};
pub use cors::{CorsError, CorsPolicy};
#[cfg(feature = "http")]
pub use headers::{RequestId, SecurityHeaders};
pub use rate_limit::{MemoryRateLimiter, RateLimitDecision, RateLimitKey, RateLimitPolicy, RateLimiter, Tier};
pub use request::{Bounded, ErrorCode, FieldError, FieldPath, RequestError, SecureRequest};
pub use response::{Authorized, Public, SecureResponse};
pub use upload::{FileKind, UploadError, UploadPolicy};
pub use webhook::{Verified, WebhookError, WebhookSecret, WebhookSigner, WebhookVerifier};

/// The names a handler module (and the code that builds its router) needs
/// from apishield: `use apishield::prelude::*;` and nothing else of
/// apishield's. axum's own names (`Router`, `Path`, `StatusCode`) come from
/// axum.
///
/// With the `axum` feature it holds the extractors and responses
/// (`SecureJson`, `SecureQuery`, `IdempotencyKey`, `Verified`, `ApiError`,
/// `RequestId`), the layers (`AuthenticationLayer`, `RateLimitLayer`,
/// `CorsLayer`, `SecurityHeadersLayer`, `RequestIdLayer`), `SafeDefaults`
/// and the configuration the extractors take from the router state
/// (`Idempotency`, `WebhookEndpoint`).
pub mod prelude {
    pub use crate::auth::api_key::{ApiKey, ApiKeyVerifier, MemoryApiKeyStore};
    #[cfg(feature = "jwt")]
    pub use crate::auth::jwt::{JwtValidator, ValidatedToken};
    pub use crate::auth::{CallerId, Forbidden, Owned, Principal, Secret};
    #[cfg(feature = "axum")]
    pub use crate::axum::{
        ApiError, AuthenticationLayer, BodyLimit, CorsLayer, FailedAuthLimit, Idempotency, IdempotencyKey,
        RateLimitLayer, RequestIdLayer, SafeDefaults, SecureJson, SecureQuery, SecurityHeadersLayer, WebhookEndpoint,
    };
    pub use crate::client_addr::TrustedProxies;
    pub use crate::cors::CorsPolicy;
    #[cfg(feature = "http")]
    pub use crate::headers::{ClientRequestId, RequestId, SecurityHeaders};
    pub use crate::idempotency::MemoryIdempotencyStore;
    pub use crate::rate_limit::{MemoryRateLimiter, RateLimitKey, RateLimitPolicy, RateLimiter};
    pub use crate::request::{Bounded, RequestError, SecureRequest};
    pub use crate::response::{Authorized, Public, SecureResponse};
    #[cfg(feature = "axum")]
    pub use crate::routing::Routes;
    pub use crate::webhook::{Verified, WebhookSecret, WebhookSigner, WebhookVerifier};
    pub use crate::{
        cors, idempotent, owned_by, public, requires_role, requires_scope, secure_request, secure_response,
    };
}

/// Not public API: what generated code refers to. May change in any release.
#[doc(hidden)]
pub mod __private {
    #[cfg(feature = "schemars")]
    pub use crate::schema::{
        LeafNoSchema, LeafSchema, ObjectSchema, RuleSchema, adjacent_variant, internal_variant, one_of_variants,
        subschema, unit_enum,
    };
    #[cfg(feature = "schemars")]
    pub use ::schemars;
    #[cfg(feature = "schemars")]
    pub use ::std::borrow::Cow;
    pub use serde;
    #[cfg(feature = "validator")]
    pub use validator;

    pub use crate::request::collection::{BoxRules, MapKey, MapRules, OptionRules, SecretRules, SeqRules};
    pub use crate::request::context::{Cx, Mode, Path};
    pub use crate::request::field::{Check, Read, Slot, finish_field, read_field};
    pub use crate::request::nested::{
        Key, Leaf, LeafChecks, LeafReads, LeafUnchecked, LeafUnread, NestedCheck, NestedRules,
        ReadRequest as NestedRead, StructFields, next_key, read_struct, read_unit_enum, reject_value, skip_key,
        skip_unknown,
    };
    pub use crate::request::number::{FloatRules, IntRules};
    pub use crate::request::parse::deserialize;
    pub use crate::request::pattern::Pattern;
    pub use crate::request::scalar::PlainRules;
    pub use crate::request::string::StrRules;
    pub use crate::request::tagged::{
        Content, ContentDeserializer, Tagging, expect_no_content, find_tag, read_adjacent, required_content,
    };
    pub use crate::request::{ErrorCode, SecureRequest};
    pub use crate::request::{FieldPolicy, RequestKind, RequestPolicy};

    pub use crate::cors::policy::checked as cors_policy;

    pub use crate::auth::Owned;
    pub use crate::auth::guard::{Deny, DenyUnreachable, DenyWith, FromForbidden, deny, require_owner};
    /// The flow `#[idempotent]` wraps a handler in.
    #[cfg(feature = "axum")]
    pub mod idempotency {
        pub use crate::axum::idempotency::flow::{RouteOptions, extract, run, typed};
    }
    pub use crate::response::{
        AuthorizeBeforeSerializing, FieldProbe, FillableFrom, FromModel, HasOwner, NoOwner, OwnerGate, Probe,
        ProjectWithoutOwnershipCheck, ResponsePolicy, SendPublic, SendRefused, Unchecked, ViaClone, ViaModel,
    };
    pub use crate::response::{Authorized, Public, SecureResponse};
    #[cfg(feature = "axum")]
    pub use crate::routing::{Deferred, NoBody, OwnerChecked, PublicRoute, RoleGuard, Roles, ScopeGuard, Scopes};
    #[cfg(feature = "axum")]
    pub use ::axum;
    // The audit's registry of annotated types (see `audit::registry` for why inventory).
    #[cfg(feature = "axum")]
    pub use crate::audit::RegisteredType;
    #[cfg(feature = "axum")]
    pub use ::inventory;

    pub use ::core::option::Option::{self, None, Some};
    pub use ::core::result::Result::{self, Err, Ok};
}
