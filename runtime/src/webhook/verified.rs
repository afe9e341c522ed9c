//! `Verified<T>`: a payload that passed verification, and nothing else.

use std::fmt;
use std::ops::Deref;

use super::replay::ReplayKeys;
use super::secret::KeyId;

/// A webhook payload whose signature, timestamp and novelty were checked.
///
/// The only way to obtain one is a successful
/// [`WebhookVerifier::verify_json`](super::WebhookVerifier::verify_json) or
/// [`verify_bytes`](super::WebhookVerifier::verify_bytes): its fields are
/// private and it has no constructor, no `Default`, no `From` and no
/// `Deserialize`. Processing code that takes a `Verified<T>` therefore cannot
/// be handed a payload that skipped verification, however it is called.
///
/// ```
/// use apishield::webhook::Verified;
///
/// #[derive(serde::Deserialize)]
/// struct PaymentSucceeded { invoice: String, amount_cents: u64 }
///
/// fn process(event: Verified<PaymentSucceeded>) {
///     println!("{} paid {} (event {})", event.invoice, event.amount_cents, event.event_id());
/// }
/// # let _ = process;
/// ```
///
/// ```compile_fail
/// # use apishield::webhook::Verified;
/// # struct PaymentSucceeded;
/// let forged: Verified<PaymentSucceeded> = Verified::from(PaymentSucceeded);
/// ```
#[derive(Clone)]
pub struct Verified<T> {
    // Visible to the verifier (a sibling module) and nowhere else; there is
    // deliberately no constructor function, not even a private one.
    pub(super) payload: T,
    pub(super) keys: ReplayKeys,
    pub(super) timestamp: i64,
    pub(super) key_id: KeyId,
}

impl<T> Verified<T> {
    /// The verified payload.
    pub fn payload(&self) -> &T {
        &self.payload
    }

    /// The verified payload, by value.
    pub fn into_inner(self) -> T {
        self.payload
    }

    /// The delivery's event id (`webhook-id` / `X-Webhook-Id`): the same for
    /// every retry of one event, so the idempotency key for what the
    /// processing does. In the Standard Webhooks profile it is covered by the
    /// signature; in the `X-Webhook` profile it is not (the signature is
    /// deduplicated too, see [`WebhookProfile::XWebhook`](super::WebhookProfile::XWebhook)).
    pub fn event_id(&self) -> &str {
        self.keys.event_id()
    }

    /// The delivery's signed timestamp, in Unix seconds (the attempt's, not
    /// the event's: a retry carries a newer one).
    pub fn timestamp(&self) -> i64 {
        self.timestamp
    }

    /// The fingerprint of the secret whose signature matched.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// What the replay store recorded for this delivery.
    pub fn replay_keys(&self) -> &ReplayKeys {
        &self.keys
    }
}

impl<T> Deref for Verified<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.payload
    }
}

impl<T: fmt::Debug> fmt::Debug for Verified<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verified")
            .field("event_id", &self.event_id())
            .field("timestamp", &self.timestamp)
            .field("key_id", &self.key_id)
            .field("payload", &self.payload)
            .finish()
    }
}
