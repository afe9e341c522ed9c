//! The extractors: each reads one thing from a request and refuses it with
//! a problem+json answer.
//!
//! | Extractor | Module |
//! | --- | --- |
//! | [`SecureJson<T>`](SecureJson) (a `#[secure_request]` body) | `json` |
//! | [`SecureQuery<T>`](SecureQuery) (a `#[secure_request]` query string) | `query` |
//! | [`Principal`](crate::Principal), `Option<Principal>` | `principal` |
//! | [`RequestId`](crate::headers::RequestId), `Option<RequestId>`, `Option<ClientRequestId>` | `request_id` |
//! | [`Verified<T>`](crate::webhook::Verified) (a webhook payload) | `webhook` |
//! | [`IdempotencyKey`](crate::axum::IdempotencyKey) | `crate::axum::idempotency` |

mod json;
mod principal;
mod query;
mod request_id;
mod webhook;

pub use json::{BodyLimit, DEFAULT_BODY_LIMIT, SecureJson};
pub use query::SecureQuery;
pub use webhook::{DEFAULT_WEBHOOK_BODY_LIMIT, WebhookEndpoint, WebhookRejection};
