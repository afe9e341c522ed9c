//! The two wire formats: header names, signed content, signature encoding.

use super::mac::{KeyedMac, Tag};

/// `X-Webhook-Id`, lower-cased as HTTP/2 and `http::HeaderName` spell it.
pub(crate) const X_WEBHOOK_ID: &str = "x-webhook-id";
/// `X-Webhook-Timestamp`.
pub(crate) const X_WEBHOOK_TIMESTAMP: &str = "x-webhook-timestamp";
/// `X-Webhook-Signature`.
pub(crate) const X_WEBHOOK_SIGNATURE: &str = "x-webhook-signature";
/// `webhook-id` (Standard Webhooks).
pub(crate) const WEBHOOK_ID: &str = "webhook-id";
/// `webhook-timestamp` (Standard Webhooks).
pub(crate) const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
/// `webhook-signature` (Standard Webhooks).
pub(crate) const WEBHOOK_SIGNATURE: &str = "webhook-signature";

/// How a delivery is signed and which headers carry the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WebhookProfile {
    /// The security reference's scheme (the default):
    ///
    /// ```text
    /// X-Webhook-Id: msg_2bW8tGQ7sVXDnC3fK1kUqE
    /// X-Webhook-Timestamp: 1700000000
    /// X-Webhook-Signature: sha256=<hex of HMAC-SHA256(secret, "{timestamp}.{payload}")>
    /// ```
    ///
    /// The event id is *not* signed in this scheme, so the verifier also
    /// remembers each signature it accepted, bound to the id it came with:
    /// a captured delivery replayed under a new id is still a replay, also
    /// after [`WebhookVerifier::forget`](super::WebhookVerifier::forget)
    /// gave its event back for a retry. The price: two events with
    /// byte-identical payloads sent within the same second carry the same
    /// signature, and the second is taken for a replay of the first. Put the
    /// event (its id, its time) in the payload, as senders usually do, or use
    /// [`StandardWebhooks`](Self::StandardWebhooks), which signs the id.
    XWebhook,
    /// [Standard Webhooks](https://www.standardwebhooks.com/) 1.0, symmetric
    /// signatures:
    ///
    /// ```text
    /// webhook-id: msg_2bW8tGQ7sVXDnC3fK1kUqE
    /// webhook-timestamp: 1700000000
    /// webhook-signature: v1,<base64 of HMAC-SHA256(secret, "{id}.{timestamp}.{payload}")> [v1,<...> ...]
    /// ```
    ///
    /// Secrets are exchanged as `whsec_<base64>`; the signature header is a
    /// space-separated list (one entry per secret during a rotation);
    /// entries of other versions (`v1a`, ...) are skipped.
    StandardWebhooks,
}

impl WebhookProfile {
    /// The event id header's name (lower case).
    pub const fn id_header(self) -> &'static str {
        match self {
            WebhookProfile::XWebhook => X_WEBHOOK_ID,
            WebhookProfile::StandardWebhooks => WEBHOOK_ID,
        }
    }

    /// The timestamp header's name (lower case).
    pub const fn timestamp_header(self) -> &'static str {
        match self {
            WebhookProfile::XWebhook => X_WEBHOOK_TIMESTAMP,
            WebhookProfile::StandardWebhooks => WEBHOOK_TIMESTAMP,
        }
    }

    /// The signature header's name (lower case).
    pub const fn signature_header(self) -> &'static str {
        match self {
            WebhookProfile::XWebhook => X_WEBHOOK_SIGNATURE,
            WebhookProfile::StandardWebhooks => WEBHOOK_SIGNATURE,
        }
    }

    /// The tag of the profile's signed content, computed over its parts in
    /// place (the payload is never copied).
    pub(crate) fn tag(self, mac: &KeyedMac, id: &str, timestamp: &str, payload: &[u8]) -> Tag {
        match self {
            WebhookProfile::XWebhook => mac.tag(&[timestamp.as_bytes(), b".", payload]),
            WebhookProfile::StandardWebhooks => mac.tag(&[id.as_bytes(), b".", timestamp.as_bytes(), b".", payload]),
        }
    }

    /// Whether the event id is covered by the signature.
    pub(crate) const fn signs_event_id(self) -> bool {
        matches!(self, WebhookProfile::StandardWebhooks)
    }
}
