//! # apishield
//!
//! API security mistakes that fail to compile.
//!
//! `#[secure_request]` turns a struct into a request type whose every value
//! is valid: the macro refuses unbounded strings, numbers and lists,
//! client-settable privileged fields (`role`, `is_admin`, ...), credentials in
//! query strings and `#[serde(flatten)]`, each as a compile error on the
//! offending field with a `help:` that says the fix; the generated
//! `Deserialize` validates while it parses and reports every field's errors
//! with wire-level paths and stable codes, never the rejected value.
//!
//! ```
//! use apishield::prelude::*;
//!
//! #[secure_request]
//! #[derive(Debug)]
//! pub struct CreateUser {
//!     #[shield(len = 1..=100, trim)]
//!     pub name: String,
//!     #[shield(email)]
//!     pub email: String,
//!     #[shield(range = 13..=150)]
//!     pub age: u8,
//!     #[shield(one_of = ["user", "viewer"], fallback = "user")]
//!     pub role: String,
//!     #[shield(max_items = 20, each(len = 1..=32))]
//!     pub tags: Vec<String>,
//! }
//!
//! let user = CreateUser::from_json(br#"{"name":"  Ada ","email":"ada@example.com","age":36,"role":"admin","tags":["x"]}"#).unwrap();
//! assert_eq!(user.name, "Ada");
//! assert_eq!(user.role, "user"); // not "admin": the fallback applies
//!
//! let err = CreateUser::from_json(br#"{"name":"","email":"nope","age":7,"role":"user","tags":[],"is_admin":true}"#).unwrap_err();
//! let codes: Vec<_> = err.errors().iter().map(|e| (e.path().to_string(), e.code().as_str())).collect();
//! assert_eq!(codes, [
//!     ("name".into(), "too_short"),
//!     ("email".into(), "invalid_email"),
//!     ("age".into(), "out_of_range"),
//!     ("is_admin".into(), "unknown_field"),
//! ]);
//! ```
//!
//! The README has the full tour: every field rule, every compile error, the
//! crate-wide policy in `Cargo.toml`, and the runtime modules. In short:
//!
//! * [`request`]: what `#[secure_request]` generates code against —
//!   [`SecureRequest`] (the entry points), [`RequestError`] (every field's
//!   errors with wire paths and stable [`ErrorCode`]s, never the rejected
//!   value), [`Bounded`] (field types that need no rule);
//! * [`upload`]: [`UploadPolicy`], a file's type from its magic bytes.

#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod auth;
#[cfg(feature = "axum")]
pub mod axum;
pub mod client_addr;
pub mod cors;
#[cfg(feature = "axum")]
pub mod headers;
pub mod idempotency;
pub mod rate_limit;
pub mod request;
pub mod response;
pub mod upload;
pub mod webhook;

pub use apishield_macros::{cors, idempotent, owned_by, secure_request, secure_response};
pub use auth::api_key::{ApiKey, ApiKeyError, ApiKeyIssuer, ApiKeyStore, ApiKeyVerifier, MemoryApiKeyStore};
#[cfg(feature = "jwt")]
pub use auth::jwt::{HmacSecret, JwtError, JwtIssuer, JwtKey, JwtValidator, ValidatedToken};
pub use auth::{ADMIN_ROLE, Caller, CallerId, Forbidden, Owned, OwnerId, Principal, Secret};
pub use cors::{CorsError, CorsPolicy};
#[cfg(feature = "axum")]
pub use headers::{RequestId, RequestIdLayer, SecurityHeaders};
pub use rate_limit::{MemoryRateLimiter, RateLimitDecision, RateLimitKey, RateLimitPolicy, RateLimiter, Tier};
pub use request::{Bounded, ErrorCode, FieldError, FieldPath, RequestError, SecureRequest};
pub use response::{Authorized, Public, SecureResponse};
pub use upload::{FileKind, UploadError, UploadPolicy};
pub use webhook::{Verified, WebhookError, WebhookSecret, WebhookSigner, WebhookVerifier};

/// The names a handler module needs.
pub mod prelude {
    pub use crate::auth::api_key::{ApiKey, ApiKeyVerifier};
    #[cfg(feature = "jwt")]
    pub use crate::auth::jwt::{JwtValidator, ValidatedToken};
    pub use crate::auth::{Forbidden, Owned, Principal, Secret};
    pub use crate::cors::CorsPolicy;
    #[cfg(feature = "axum")]
    pub use crate::headers::{RequestId, RequestIdLayer, SecurityHeaders};
    #[cfg(feature = "axum")]
    pub use crate::idempotency::IdempotencyKey;
    pub use crate::rate_limit::{RateLimitKey, RateLimitPolicy, RateLimiter};
    pub use crate::request::{Bounded, RequestError, SecureRequest};
    pub use crate::response::{Authorized, Public, SecureResponse};
    pub use crate::webhook::{Verified, WebhookSigner, WebhookVerifier};
    pub use crate::{cors, idempotent, owned_by, secure_request, secure_response};
}

/// Not public API: what generated code refers to. May change in any release.
#[doc(hidden)]
pub mod __private {
    pub use serde;
    pub use validator;

    pub use crate::request::collection::{BoxRules, MapKey, MapRules, OptionRules, SecretRules, SeqRules};
    pub use crate::request::context::{Cx, Mode, Path};
    pub use crate::request::field::{Check, Read, Slot, finish_field, read_field};
    pub use crate::request::nested::{
        Key, Leaf, LeafChecks, LeafReads, LeafUnchecked, LeafUnread, NestedCheck, NestedRead, NestedRules,
        StructFields, next_key, read_struct, read_unit_enum, reject_value, skip_key, skip_unknown,
    };
    pub use crate::request::number::{FloatRules, IntRules};
    pub use crate::request::parse::deserialize;
    pub use crate::request::pattern::Pattern;
    pub use crate::request::policy::{FieldPolicy, RequestKind, RequestPolicy};
    pub use crate::request::scalar::PlainRules;
    pub use crate::request::string::StrRules;
    pub use crate::request::tagged::{
        Content, ContentDeserializer, Tagging, expect_no_content, find_tag, read_adjacent, required_content,
    };
    pub use crate::request::{ErrorCode, SecureRequest};

    pub use crate::cors::policy::checked as cors_policy;

    pub use crate::auth::Owned;
    pub use crate::auth::guard::{Deny, DenyUnreachable, DenyWith, FromForbidden, deny, require_owner};
    #[cfg(feature = "axum")]
    pub use crate::idempotency;
    pub use crate::response::{
        AuthorizeBeforeSerializing, FieldProbe, FillableFrom, FromModel, HasOwner, NoOwner, OwnerGate, Probe,
        ProjectWithoutOwnershipCheck, ResponsePolicy, SendPublic, SendRefused, Unchecked, ViaClone, ViaModel,
    };
    pub use crate::response::{Authorized, Public, SecureResponse};
    #[cfg(feature = "axum")]
    pub use ::axum;

    pub use ::core::option::Option::{self, None, Some};
    pub use ::core::result::Result::{self, Err, Ok};
}
