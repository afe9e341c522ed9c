//! Why a delivery was refused: one variant per cause, none echoing a header,
//! a signature or a secret.

use std::fmt;

/// One of the three webhook headers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WebhookHeader {
    /// `X-Webhook-Id` / `webhook-id`.
    Id,
    /// `X-Webhook-Timestamp` / `webhook-timestamp`.
    Timestamp,
    /// `X-Webhook-Signature` / `webhook-signature`.
    Signature,
}

impl WebhookHeader {
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            WebhookHeader::Id => "id",
            WebhookHeader::Timestamp => "timestamp",
            WebhookHeader::Signature => "signature",
        }
    }
}

/// Why a webhook delivery was not accepted.
///
/// Each cause is its own variant so that logs and metrics can tell an
/// attack (bad signatures) from a misconfiguration (missing headers, clock
/// skew) from an outage (the replay store). What the *sender* is told should
/// stay generic: a web integration answers 401 with the same body for every
/// variant except [`Replayed`](WebhookError::Replayed), which is a duplicate
/// delivery of an event already accepted and is answered 200 without
/// processing it again (and [`StoreUnavailable`](WebhookError::StoreUnavailable),
/// a 503 so that the sender retries later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WebhookError {
    /// A header is absent.
    MissingHeader(WebhookHeader),
    /// A header is present but not in its format (also: present twice, not
    /// visible ASCII, or a signature header with no entry this verifier
    /// checks).
    MalformedHeader(WebhookHeader),
    /// The timestamp is further in the past than the tolerance.
    TimestampTooOld,
    /// The timestamp is further in the future than the tolerance.
    TimestampInFuture,
    /// No signature in the header is the HMAC of the delivery under any of
    /// the verifier's secrets: the payload, the timestamp or (Standard
    /// Webhooks) the id was altered, or the sender uses another secret.
    BadSignature,
    /// The delivery is authentic but its event (or, in the `X-Webhook`
    /// profile, its exact signature) was already accepted: a replay, or the
    /// sender's retry of a delivery whose answer it did not get.
    Replayed,
    /// The replay store could not be consulted (Redis unreachable, the memory
    /// store full). Verification fails closed; the cause is in the logs.
    StoreUnavailable,
    /// The delivery is authentic but its payload is not the expected JSON.
    /// Only the position and category of the problem are kept (serde's
    /// messages can quote the payload).
    InvalidPayload {
        /// What kind of problem (syntax, data, end of input).
        category: serde_json::error::Category,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
    },
}

impl WebhookError {
    /// A stable code for logs and metrics: `missing_header`,
    /// `malformed_header`, `timestamp_too_old`, `timestamp_in_future`,
    /// `bad_signature`, `replayed`, `store_unavailable`, `invalid_payload`.
    pub const fn code(&self) -> &'static str {
        match self {
            WebhookError::MissingHeader(_) => "missing_header",
            WebhookError::MalformedHeader(_) => "malformed_header",
            WebhookError::TimestampTooOld => "timestamp_too_old",
            WebhookError::TimestampInFuture => "timestamp_in_future",
            WebhookError::BadSignature => "bad_signature",
            WebhookError::Replayed => "replayed",
            WebhookError::StoreUnavailable => "store_unavailable",
            WebhookError::InvalidPayload { .. } => "invalid_payload",
        }
    }

    /// `true` for [`Replayed`](WebhookError::Replayed): the event was already
    /// accepted, so the right answer is a success that processes nothing.
    pub const fn is_duplicate(&self) -> bool {
        matches!(self, WebhookError::Replayed)
    }
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::MissingHeader(h) => write!(f, "the webhook {} header is missing", h.as_str()),
            WebhookError::MalformedHeader(h) => write!(f, "the webhook {} header is malformed", h.as_str()),
            WebhookError::TimestampTooOld => f.write_str("the webhook timestamp is older than the tolerance"),
            WebhookError::TimestampInFuture => f.write_str("the webhook timestamp is further ahead than the tolerance"),
            WebhookError::BadSignature => f.write_str("no webhook signature matches"),
            WebhookError::Replayed => f.write_str("the webhook event was already accepted"),
            WebhookError::StoreUnavailable => f.write_str("the webhook replay store is unavailable"),
            WebhookError::InvalidPayload { line, column, .. } => {
                write!(f, "the webhook payload is not the expected JSON (line {line}, column {column})")
            }
        }
    }
}

impl std::error::Error for WebhookError {}
