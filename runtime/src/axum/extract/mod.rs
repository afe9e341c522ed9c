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

/// A rejection that carries a [`RequestError`](crate::request::RequestError):
/// the error, its status, and the same problem+json answer as
/// [`ApiError`](crate::axum::ApiError). One definition for `SecureJson`'s and
/// `SecureQuery`'s, as axum defines its own rejections.
macro_rules! request_rejection {
    ($(#[$doc:meta])* $name:ident, what = $what:literal, statuses = $statuses:literal, display = $display:literal) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name(crate::request::RequestError);

        impl $name {
            #[doc = concat!("What was wrong with the ", $what, ".")]
            pub fn error(&self) -> &crate::request::RequestError {
                &self.0
            }

            /// The error, to answer with a body of your own.
            pub fn into_error(self) -> crate::request::RequestError {
                self.0
            }

            #[doc = concat!("The status of the default answer: ", $statuses, ".")]
            pub fn status(&self) -> ::axum::http::StatusCode {
                crate::axum::error::request_error_status(&self.0).0
            }

            /// Reports the refusal (`telemetry::validation_failure`): where
            /// the extractor builds it, once per refused request.
            fn reported(
                self,
                source: crate::telemetry::Source,
                route: Option<&::axum::extract::MatchedPath>,
            ) -> Self {
                crate::telemetry::validation_failure(
                    source,
                    &self.0,
                    self.status().as_u16(),
                    route.map(::axum::extract::MatchedPath::as_str),
                );
                self
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                write!(f, concat!($display, ": {}"), self.0)
            }
        }

        impl ::std::error::Error for $name {
            fn source(&self) -> Option<&(dyn ::std::error::Error + 'static)> {
                Some(&self.0)
            }
        }

        impl ::axum::response::IntoResponse for $name {
            fn into_response(self) -> ::axum::response::Response {
                crate::axum::ApiError::from(self.0).into_response()
            }
        }

        impl From<$name> for crate::axum::ApiError {
            fn from(rejection: $name) -> Self {
                crate::axum::ApiError::from(rejection.0)
            }
        }
    };
}

mod body_limit;
mod json;
mod principal;
mod query;
mod request_id;
#[cfg(feature = "jwt")]
mod revocation;
mod webhook;

pub(crate) use body_limit::{BodyError, Chunks, Read, read_body, read_up_to};
pub use body_limit::{BodyLimit, DEFAULT_BODY_LIMIT};
pub use json::{SecureJson, SecureJsonRejection};
pub use query::{SecureQuery, SecureQueryRejection};
#[cfg(feature = "jwt")]
pub use revocation::{OAuthClients, RevocationRejection, RevocationRequest, TokenRevocation, revoke_token};
pub use webhook::{WebhookEndpoint, WebhookRejection};
