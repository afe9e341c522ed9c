//! Webhooks: signed sending, verified receiving, replay protection.
//!
//! A webhook is an HTTP request from a server you do not control to an
//! endpoint anyone can reach. This module makes the receiving side check,
//! *before anything reads the payload*, that the delivery was signed with a
//! shared secret, is fresh, and was not accepted before; and it makes the
//! result a type, [`Verified<T>`], that processing code can demand.
//!
//! * [`WebhookSigner`] signs deliveries; [`RetrySchedule`] says when to try a
//!   failed one again;
//! * [`WebhookVerifier`] checks them: headers, timestamp (300 s either way),
//!   HMAC-SHA256 in constant time against one or several secrets, replay by
//!   event id through a [`ReplayStore`] ([`MemoryReplayStore`], or
//!   `RedisReplayStore` with the `redis` feature); each failure is its own
//!   [`WebhookError`];
//! * two wire formats ([`WebhookProfile`]): the security reference's
//!   `X-Webhook-Signature: sha256=<hex>` over `{timestamp}.{payload}`, and
//!   [Standard Webhooks](https://www.standardwebhooks.com/)
//!   (`webhook-signature: v1,<base64>` over `{id}.{timestamp}.{payload}`,
//!   `whsec_` secrets), interoperable with the specification's libraries in
//!   both directions.
//!
//! ```
//! use apishield::webhook::{Verified, WebhookError, WebhookHeaders, WebhookSecret, WebhookSigner, WebhookVerifier};
//!
//! #[derive(Debug, serde::Deserialize)]
//! struct InvoicePaid { invoice: String, amount_cents: u64 }
//!
//! // Processing code takes `Verified<T>`: it cannot be called with a payload
//! // that was not verified.
//! fn on_invoice_paid(event: Verified<InvoicePaid>) -> String {
//!     format!("{} paid {}", event.invoice, event.amount_cents)
//! }
//!
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! // Both sides share the secret; the sender hands it out as "whsec_...".
//! let secret = WebhookSecret::generate().unwrap();
//! let signer = WebhookSigner::standard(secret.clone());
//! let verifier = WebhookVerifier::standard(WebhookSecret::from_standard(&secret.to_standard()).unwrap());
//!
//! // Sending: the headers go with exactly the bytes that were signed.
//! let body = br#"{"invoice":"in_42","amount_cents":1999}"#;
//! let signed = signer.sign(body).unwrap();
//! for (name, value) in signed.headers() {
//!     // request = request.header(name, value);
//! #   let _ = (name, value);
//! }
//!
//! // Receiving: the three header values and the raw body.
//! let headers = WebhookHeaders::new(Some(signed.event_id()), Some(signed.timestamp_header()), Some(signed.signature()));
//! let event = verifier.verify_json::<InvoicePaid>(headers, body).await.unwrap();
//! assert_eq!(on_invoice_paid(event), "in_42 paid 1999");
//!
//! // A tampered body, or the same delivery again, is refused.
//! let tampered = br#"{"invoice":"in_42","amount_cents":1}"#;
//! assert_eq!(verifier.verify_json::<InvoicePaid>(headers, tampered).await.unwrap_err(), WebhookError::BadSignature);
//! assert_eq!(verifier.verify_json::<InvoicePaid>(headers, body).await.unwrap_err(), WebhookError::Replayed);
//! # });
//! ```
//!
//! # Defaults
//!
//! | Setting | Default | Change with |
//! | --- | --- | --- |
//! | profile | `X-Webhook-*` (`new`); Standard Webhooks (`standard`) | [`WebhookVerifier::with_profile`] |
//! | timestamp tolerance | 300 s in both directions, **inclusive** (300 s passes, 301 s fails) | [`WebhookVerifier::tolerance`] |
//! | replay records kept | until timestamp + tolerance, at least 2 × tolerance (10 min) | [`WebhookVerifier::replay_retention`] |
//! | replay store | [`MemoryReplayStore`], 100 000 live records | [`WebhookVerifier::store`] |
//! | clock | [`SystemClock`](crate::time::SystemClock) | [`WebhookVerifier::clock`] |
//! | secrets | 24 to 64 bytes; generated: 32 | — |
//! | retries | 18 attempts, full jitter under 5 s × 2ⁿ, capped at 12 h | [`RetrySchedule::new`] |
//!
//! Exactly 300 s: the Standard Webhooks libraries disagree (JavaScript, Ruby
//! and Rust accept a timestamp exactly 300 s away; Go and Python compare with
//! a sub-second clock and reject it within the second). This crate compares
//! whole seconds and accepts it, so the edge is exact and the same on every
//! machine.
//!
//! # In a web framework
//!
//! Read the raw body (not a parsed and re-serialized one: that is not what
//! was signed) with a size limit, pass it and the three header values to
//! [`WebhookVerifier::verify_json`] (with the `axum` feature, an
//! `&http::HeaderMap` is accepted as the headers), and answer:
//!
//! * `Ok(verified)`: process, then 2xx (or, if processing failed and the
//!   sender should retry, [`WebhookVerifier::forget`] and 5xx);
//! * [`WebhookError::Replayed`] ([`is_duplicate`](WebhookError::is_duplicate)):
//!   200, without processing: the event was already accepted;
//! * [`WebhookError::StoreUnavailable`]: 503, so the sender retries;
//! * anything else: 401 with a generic body. The specific
//!   [`code`](WebhookError::code) goes to the logs (`tracing`), not to the
//!   sender.

#![warn(missing_docs)]

mod error;
pub mod header;
mod mac;
mod profile;
pub mod replay;
mod retry;
mod secret;
mod signer;
mod verified;
mod verifier;

pub use error::{WebhookError, WebhookHeader};
pub use profile::WebhookProfile;
#[cfg(feature = "redis")]
pub use replay::RedisReplayStore;
pub use replay::{MemoryReplayStore, ReplayKeys, ReplayStore, ReplayStoreError, Sighting};
pub use retry::{DEFAULT_MAX_ATTEMPTS, DEFAULT_RETRY_BASE, DEFAULT_RETRY_MAX_DELAY, RetrySchedule};
pub use secret::{KeyId, MAX_SECRET_LEN, MIN_SECRET_LEN, SECRET_PREFIX, SecretError, WebhookSecret};
pub use signer::{SignError, SignedWebhook, WebhookSigner, new_event_id};
pub use verified::Verified;
pub use verifier::{DEFAULT_TOLERANCE, WebhookHeaders, WebhookVerifier};
