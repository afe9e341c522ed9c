//! The extractors: each reads one thing from a request and refuses it with
//! a problem+json answer.
//!
//! | Extractor | Module |
//! | --- | --- |
//! | [`SecureJson<T>`](SecureJson) (a `#[secure_request]` body) | `json` |
//! | [`SecureQuery<T>`](SecureQuery) (a `#[secure_request]` query string) | `query` |
//! | [`Principal`](crate::Principal), `Option<Principal>` | `principal` |
//! | [`RequestId`](crate::headers::RequestId), `Option<RequestId>`, `Option<ClientRequestId>` | `request_id` |
//! | [`Verified<T>`](crate::webhook::Verified) (a webhook payload, verified by the state's [`WebhookEndpoint`]) | `webhook` |
//! | [`RevocationRequest`] (an RFC 7009 revocation by an authenticated client; the [`revoke_token`] handler) | `revocation` (feature `jwt`) |
//! | [`IdempotencyKey`](crate::axum::IdempotencyKey) (with the state's [`Idempotency`](crate::axum::Idempotency)) | `crate::axum::idempotency` |
//!
//! The body extractors read at most the route's [`BodyLimit`].

mod body_limit;
mod json;
mod principal;
mod query;
mod request_id;
#[cfg(feature = "jwt")]
mod revocation;
mod webhook;

pub use body_limit::{BodyLimit, DEFAULT_BODY_LIMIT};
pub use json::{SecureJson, SecureJsonRejection};
pub use query::{SecureQuery, SecureQueryRejection};
#[cfg(feature = "jwt")]
pub use revocation::{OAuthClients, RevocationRejection, RevocationRequest, TokenRevocation, revoke_token};
pub use webhook::{WebhookEndpoint, WebhookRejection};
