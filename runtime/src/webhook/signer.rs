//! `WebhookSigner`: the sending side.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use super::header::{MAX_TIMESTAMP, is_valid_event_id};
use super::profile::WebhookProfile;
use super::secret::{KeyId, WebhookSecret};
use super::verifier::WebhookHeaders;
use crate::time::{Clock, SharedClock};

/// Signs webhook deliveries.
///
/// Each event gets a unique id ([`sign`](Self::sign) draws one, `msg_`
/// followed by 128 random bits); each *attempt* gets the current timestamp
/// and a fresh signature, so a retry is signed again with
/// [`sign_event`](Self::sign_event) and the event's id. Send the
/// [`SignedWebhook::headers`] with the exact body that was signed, over HTTPS,
/// and retry failures on a [`RetrySchedule`](super::RetrySchedule).
///
/// Rotating the secret: [`rotate`](Self::rotate) makes the new secret the
/// signing one. In the Standard Webhooks profile the previous secret keeps
/// signing too (the header carries both signatures, as the specification
/// intends), so receivers that know either secret accept every delivery
/// while they are updated; [`finish_rotation`](Self::finish_rotation) drops
/// it. The `X-Webhook` header has room for one signature only: there,
/// receivers must accept both secrets (`WebhookVerifier::secret`)
/// *before* the sender rotates.
///
/// ```
/// use apishield::webhook::{WebhookSecret, WebhookSigner};
///
/// let signer = WebhookSigner::standard(WebhookSecret::from_standard("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap());
/// let signed = signer.sign_at("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, br#"{"test": 2432232314}"#).unwrap();
/// assert_eq!(signed.signature(), "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
/// assert_eq!(signed.headers()[0], ("webhook-id", "msg_p5jXN8AQM9LWM0D4loKWxJek"));
/// ```
pub struct WebhookSigner {
    profile: WebhookProfile,
    secret: WebhookSecret,
    previous: Vec<WebhookSecret>,
    clock: SharedClock,
}

impl WebhookSigner {
    /// A signer of the `X-Webhook-*` profile ([`WebhookProfile::XWebhook`])
    /// on the system clock.
    pub fn new(secret: WebhookSecret) -> Self {
        WebhookSigner::with_profile(WebhookProfile::XWebhook, secret)
    }

    /// A signer of the Standard Webhooks profile
    /// ([`WebhookProfile::StandardWebhooks`]) on the system clock.
    pub fn standard(secret: WebhookSecret) -> Self {
        WebhookSigner::with_profile(WebhookProfile::StandardWebhooks, secret)
    }

    /// A signer of `profile` on the system clock.
    pub fn with_profile(profile: WebhookProfile, secret: WebhookSecret) -> Self {
        WebhookSigner { profile, secret, previous: Vec::new(), clock: SharedClock::system() }
    }

    /// Reads the time from `clock` (a [`ManualClock`](crate::time::ManualClock)
    /// in tests) instead of the [`SystemClock`](crate::time::SystemClock).
    #[must_use]
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = SharedClock::new(clock);
        self
    }

    /// Signs with `new` from now on. The secret signing until now is kept:
    /// in the Standard Webhooks profile it adds its own signature to every
    /// delivery until [`finish_rotation`](Self::finish_rotation); in the
    /// `X-Webhook` profile it signs nothing more.
    pub fn rotate(&mut self, new: WebhookSecret) {
        let old = std::mem::replace(&mut self.secret, new);
        self.previous.retain(|s| s.key_id() != old.key_id() && s.key_id() != self.secret.key_id());
        self.previous.insert(0, old);
    }

    /// Drops the secrets of earlier rotations: only the current secret signs.
    pub fn finish_rotation(&mut self) {
        self.previous.clear();
    }

    /// The fingerprint of the secret that signs.
    pub fn key_id(&self) -> KeyId {
        self.secret.key_id()
    }

    /// The wire format this signer writes.
    pub fn profile(&self) -> WebhookProfile {
        self.profile
    }

    /// Signs the first attempt of a new event: a fresh event id, the current
    /// time.
    pub fn sign(&self, payload: &[u8]) -> Result<SignedWebhook, SignError> {
        let id = new_event_id()?;
        self.sign_at(&id, self.clock.now_secs(), payload)
    }

    /// Signs an attempt of the event `event_id` at the current time: what a
    /// retry sends (same id, new timestamp, new signature).
    pub fn sign_event(&self, event_id: &str, payload: &[u8]) -> Result<SignedWebhook, SignError> {
        self.sign_at(event_id, self.clock.now_secs(), payload)
    }

    /// Signs `payload` as event `event_id` at `timestamp` (Unix seconds).
    ///
    /// The id must be 1 to 256 visible ASCII characters without `.` (what
    /// verifiers accept: a `.` would make `{id}.{timestamp}.{payload}`
    /// ambiguous); the timestamp must be between 0 and 15 digits.
    pub fn sign_at(&self, event_id: &str, timestamp: i64, payload: &[u8]) -> Result<SignedWebhook, SignError> {
        if !is_valid_event_id(event_id) {
            return Err(SignError::InvalidEventId);
        }
        if !(0..=MAX_TIMESTAMP).contains(&timestamp) {
            return Err(SignError::InvalidTimestamp);
        }
        let ts = timestamp.to_string();
        let signature = match self.profile {
            WebhookProfile::XWebhook => {
                let tag = self.profile.tag(self.secret.mac(), event_id, &ts, payload);
                let mut out = String::with_capacity(7 + 64);
                out.push_str("sha256=");
                out.push_str(&hex::encode(tag));
                out
            }
            WebhookProfile::StandardWebhooks => {
                let mut out = String::with_capacity(48 * (1 + self.previous.len()));
                for secret in std::iter::once(&self.secret).chain(&self.previous) {
                    if !out.is_empty() {
                        out.push(' ');
                    }
                    out.push_str("v1,");
                    STANDARD.encode_string(self.profile.tag(secret.mac(), event_id, &ts, payload), &mut out);
                }
                out
            }
        };
        Ok(SignedWebhook {
            profile: self.profile,
            event_id: event_id.to_owned(),
            timestamp,
            timestamp_text: ts,
            signature,
        })
    }
}

impl fmt::Debug for WebhookSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSigner")
            .field("profile", &self.profile)
            .field("secret", &self.secret)
            .field("previous", &self.previous)
            .finish_non_exhaustive()
    }
}

/// A fresh event id: `msg_` and 22 URL-safe base64 characters (128 bits from
/// the operating system's random generator).
pub fn new_event_id() -> Result<String, SignError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| SignError::Randomness)?;
    let mut id = String::with_capacity(4 + 22);
    id.push_str("msg_");
    URL_SAFE_NO_PAD.encode_string(bytes, &mut id);
    Ok(id)
}

/// A signed delivery: the headers to send with the body that was signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedWebhook {
    profile: WebhookProfile,
    event_id: String,
    timestamp: i64,
    timestamp_text: String,
    signature: String,
}

impl SignedWebhook {
    /// The event id (the same for every attempt of one event).
    pub fn event_id(&self) -> &str {
        &self.event_id
    }

    /// The attempt's timestamp, in Unix seconds.
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The timestamp header's value (the timestamp in decimal).
    pub fn timestamp_header(&self) -> &str {
        &self.timestamp_text
    }

    /// The signature header's value: `sha256=<hex>`, or `v1,<base64>`
    /// entries separated by spaces.
    pub fn signature(&self) -> &str {
        &self.signature
    }

    /// The profile it was signed for.
    pub fn profile(&self) -> WebhookProfile {
        self.profile
    }

    /// `(name, value)` of the three headers, id, timestamp, signature, with
    /// the profile's lower-case names.
    pub fn headers(&self) -> [(&'static str, &str); 3] {
        [
            (self.profile.id_header(), &self.event_id),
            (self.profile.timestamp_header(), &self.timestamp_text),
            (self.profile.signature_header(), &self.signature),
        ]
    }

    /// The headers as a verifier reads them (loopback tests, a sender
    /// checking its own output).
    pub fn as_headers(&self) -> WebhookHeaders<'_> {
        WebhookHeaders::new(Some(&self.event_id), Some(&self.timestamp_text), Some(&self.signature))
    }
}

/// Why a delivery could not be signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignError {
    /// The event id is empty, longer than 256 bytes, or has a character
    /// outside visible ASCII, or a `.`.
    InvalidEventId,
    /// The timestamp is negative or has more than 15 digits.
    InvalidTimestamp,
    /// The operating system's random generator failed (drawing an event id).
    Randomness,
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SignError::InvalidEventId => "the webhook event id is not 1 to 256 visible ASCII characters without `.`",
            SignError::InvalidTimestamp => "the webhook timestamp is negative or has more than 15 digits",
            SignError::Randomness => "the operating system's random generator failed",
        })
    }
}

impl std::error::Error for SignError {}
