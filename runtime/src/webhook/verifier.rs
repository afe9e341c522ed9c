//! `WebhookVerifier`: headers, timestamp, signature, replay, and only then
//! the payload.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

use super::error::{WebhookError, WebhookHeader};
use super::header::{SignatureList, is_valid_event_id, parse_timestamp};
use super::mac::Tag;
use super::profile::WebhookProfile;
use super::replay::{MemoryReplayStore, ReplayKeys, ReplayStore, Sighting};
use super::secret::{KeyId, WebhookSecret};
use super::verified::Verified;
use crate::telemetry::{self, Webhook};
use crate::time::{Clock, SharedClock, secs};

/// How far a delivery's timestamp may be from the verifier's clock, in either
/// direction: 300 seconds (five minutes, the security reference's and the
/// Standard Webhooks libraries' window).
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(300);

/// Verifies webhook deliveries: signature, timestamp and replay, before
/// anything reads the payload.
///
/// In order, cheapest first, each failure its own [`WebhookError`]:
///
/// 1. the three headers are present ([`MissingHeader`](WebhookError::MissingHeader))
///    and well-formed ([`MalformedHeader`](WebhookError::MalformedHeader)):
///    a visible-ASCII event id without `.`, a canonical decimal timestamp, a
///    signature header of the profile's format;
/// 2. the timestamp is within the tolerance of the clock, [`DEFAULT_TOLERANCE`]
///    (300 s) unless [`tolerance`](Self::tolerance) changed it,
///    **inclusive**: a delivery exactly 300 s old (or ahead) is accepted, 301 s
///    is [`TimestampTooOld`](WebhookError::TimestampTooOld) /
///    [`TimestampInFuture`](WebhookError::TimestampInFuture). The
///    specification's libraries disagree at exactly 300 s: the JavaScript,
///    Ruby and Rust ones compare whole seconds as here and accept; the Go and
///    Python ones compare against a sub-second clock, which rejects a
///    timestamp 300 s old a fraction of a second into the current second.
///    Whole seconds on both sides makes the bound exact and testable;
/// 3. one signature in the header is the HMAC-SHA256 of the signed content
///    under one of the verifier's secrets, compared in constant time
///    ([`BadSignature`](WebhookError::BadSignature) otherwise). Several
///    secrets can be active at once (rotation): each costs one HMAC per
///    delivery, and the first that matches is reported by
///    [`Verified::key_id`];
/// 4. (`verify_json` only) the payload parses as `T`
///    ([`InvalidPayload`](WebhookError::InvalidPayload));
/// 5. the event is new: the [`ReplayStore`] records it atomically, or
///    answers that it was seen ([`Replayed`](WebhookError::Replayed)), or
///    fails ([`StoreUnavailable`](WebhookError::StoreUnavailable): the
///    verifier fails closed).
///
/// A record is kept for as long as the delivery could still be accepted
/// (its timestamp plus the tolerance) and at least the replay retention
/// (default: twice the tolerance, 10 minutes), so retries of an event within
/// that time are caught as duplicates too.
///
/// ```
/// use apishield::webhook::{WebhookHeaders, WebhookSecret, WebhookSigner, WebhookVerifier};
///
/// #[derive(Debug, serde::Deserialize)]
/// struct InvoicePaid { invoice: String }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let secret = WebhookSecret::generate().unwrap();
/// let signer = WebhookSigner::new(secret.clone());
/// let verifier = WebhookVerifier::new(secret);
///
/// let body = br#"{"invoice":"in_42"}"#;
/// let delivery = signer.sign(body).unwrap();
/// let headers = WebhookHeaders::new(Some(delivery.event_id()), Some(delivery.timestamp_header()), Some(delivery.signature()));
///
/// let event = verifier.verify_json::<InvoicePaid>(headers, body).await.unwrap();
/// assert_eq!(event.invoice, "in_42");
/// // The same delivery again is a replay.
/// assert!(verifier.verify_json::<InvoicePaid>(headers, body).await.unwrap_err().is_duplicate());
/// # });
/// ```
pub struct WebhookVerifier<S = MemoryReplayStore> {
    profile: WebhookProfile,
    secrets: Vec<WebhookSecret>,
    tolerance: i64,
    retention: Option<i64>,
    clock: SharedClock,
    store: S,
}

impl WebhookVerifier<MemoryReplayStore> {
    /// A verifier of the `X-Webhook-*` profile ([`WebhookProfile::XWebhook`])
    /// accepting `secret`, with the defaults: 300 s tolerance, the system
    /// clock, a [`MemoryReplayStore`].
    pub fn new(secret: WebhookSecret) -> Self {
        WebhookVerifier::with_profile(WebhookProfile::XWebhook, secret)
    }

    /// A verifier of the Standard Webhooks profile
    /// ([`WebhookProfile::StandardWebhooks`]), with the same defaults.
    pub fn standard(secret: WebhookSecret) -> Self {
        WebhookVerifier::with_profile(WebhookProfile::StandardWebhooks, secret)
    }

    /// A verifier of `profile`, with the same defaults.
    pub fn with_profile(profile: WebhookProfile, secret: WebhookSecret) -> Self {
        WebhookVerifier {
            profile,
            secrets: vec![secret],
            tolerance: secs(DEFAULT_TOLERANCE),
            retention: None,
            clock: SharedClock::system(),
            store: MemoryReplayStore::new(),
        }
    }
}

impl<S: ReplayStore> WebhookVerifier<S> {
    /// Keeps the records in `store` instead (a `RedisReplayStore` when
    /// several processes receive the same webhooks).
    #[must_use]
    pub fn store<S2: ReplayStore>(self, store: S2) -> WebhookVerifier<S2> {
        let WebhookVerifier { profile, secrets, tolerance, retention, clock, store: _ } = self;
        WebhookVerifier { profile, secrets, tolerance, retention, clock, store }
    }

    /// The same verifier with its store behind an `Arc<dyn ReplayStore>`,
    /// one type whatever the store (what an endpoint of a web framework
    /// holds).
    #[cfg_attr(not(feature = "axum"), allow(dead_code))]
    pub(crate) fn into_shared(self) -> WebhookVerifier<Arc<dyn ReplayStore>>
    where
        S: 'static,
    {
        let WebhookVerifier { profile, secrets, tolerance, retention, clock, store } = self;
        WebhookVerifier { profile, secrets, tolerance, retention, clock, store: Arc::new(store) }
    }

    /// Also accepts signatures made with `secret` (during a rotation: the
    /// new secret next to the old one, until every sender uses the new one).
    #[must_use]
    pub fn secret(mut self, secret: WebhookSecret) -> Self {
        self.add_secret(secret);
        self
    }

    /// Also accepts signatures made with `secret`; a secret already accepted
    /// is not added twice.
    pub fn add_secret(&mut self, secret: WebhookSecret) {
        if !self.secrets.iter().any(|s| s.key_id() == secret.key_id()) {
            self.secrets.push(secret);
        }
    }

    /// Stops accepting the secret with fingerprint `key_id`; `false` if no
    /// such secret was accepted. A verifier without secrets refuses every
    /// delivery.
    pub fn remove_secret(&mut self, key_id: KeyId) -> bool {
        let before = self.secrets.len();
        self.secrets.retain(|s| s.key_id() != key_id);
        self.secrets.len() != before
    }

    /// The fingerprints of the accepted secrets.
    pub fn key_ids(&self) -> Vec<KeyId> {
        self.secrets.iter().map(WebhookSecret::key_id).collect()
    }

    /// How far a timestamp may be from the clock, in either direction
    /// (default [`DEFAULT_TOLERANCE`], 300 s), in whole seconds (fractions
    /// are dropped; at least 1 s). The bound is inclusive.
    #[must_use]
    pub fn tolerance(mut self, tolerance: Duration) -> Self {
        self.tolerance = secs(tolerance).max(1);
        self
    }

    /// How long an accepted event is remembered at least (default: twice the
    /// tolerance). Retries of an event within this time are duplicates. It
    /// never shortens a record below what replay protection needs: the
    /// delivery's timestamp plus the tolerance.
    #[must_use]
    pub fn replay_retention(mut self, retention: Duration) -> Self {
        self.retention = Some(secs(retention));
        self
    }

    /// Reads the time from `clock` instead of the
    /// [`SystemClock`](crate::time::SystemClock): tests put a
    /// [`ManualClock`](crate::time::ManualClock) one second inside or outside
    /// the tolerance without sleeping.
    #[must_use]
    pub fn clock(mut self, clock: impl Clock) -> Self {
        self.clock = SharedClock::new(clock);
        self
    }

    /// The wire format this verifier reads.
    pub fn profile(&self) -> WebhookProfile {
        self.profile
    }

    /// The tolerance, in seconds.
    pub fn tolerance_secs(&self) -> i64 {
        self.tolerance
    }

    /// The replay store.
    pub fn get_store(&self) -> &S {
        &self.store
    }

    /// Verifies a delivery, then parses its payload as JSON.
    ///
    /// `headers` is a [`WebhookHeaders`] (the three header values), or with
    /// the `axum` feature an `&http::HeaderMap`. `body` is the raw body,
    /// exactly as received: a body parsed and serialized again is not the
    /// content that was signed.
    ///
    /// Nothing reads the payload before the signature checks out; a payload
    /// that is authentic but not a `T` is [`WebhookError::InvalidPayload`]
    /// and is not recorded (its retries fail the same way).
    pub async fn verify_json<T: DeserializeOwned>(
        &self,
        headers: impl Into<WebhookHeaders<'_>>,
        body: &[u8],
    ) -> Result<Verified<T>, WebhookError> {
        let now = self.clock.now_secs();
        let authentic = self.authenticate(&headers.into(), body, now).inspect_err(|e| self.log_refusal(e))?;
        let payload = serde_json::from_slice::<T>(body).map_err(|e| {
            let err = WebhookError::InvalidPayload { category: e.classify(), line: e.line(), column: e.column() };
            self.log_refusal(&err);
            err
        })?;
        self.deduplicate(authentic, payload, now).await
    }

    /// Verifies a delivery and hands out its raw payload (for payloads that
    /// are not JSON, or that a stricter parser reads, such as a
    /// `#[secure_request]` type's `from_json`).
    pub async fn verify_bytes<'b>(
        &self,
        headers: impl Into<WebhookHeaders<'_>>,
        body: &'b [u8],
    ) -> Result<Verified<&'b [u8]>, WebhookError> {
        let now = self.clock.now_secs();
        let authentic = self.authenticate(&headers.into(), body, now).inspect_err(|e| self.log_refusal(e))?;
        self.deduplicate(authentic, body, now).await
    }

    /// Forgets a verified delivery's event, so that the sender's retry of it
    /// is processed instead of being a duplicate.
    ///
    /// The verifier records an event *before* the processing runs, so each
    /// event is processed at most once. If the processing then fails and the
    /// event must not be lost, call this before answering the sender with an
    /// error (5xx): its retry will be verified and processed again.
    ///
    /// Only the event id is forgotten. In the `X-Webhook` profile the id is
    /// not signed, so the verifier also remembers the delivery's signature,
    /// bound to the id, and that record stays until it expires (as long as
    /// the timestamp is within the tolerance, at least): a copy of the
    /// delivery that someone captured cannot come back under a fresh id
    /// after a forget. What goes through is the event itself, under its own
    /// id:
    ///
    /// * the sender's retry as [`WebhookSigner`](super::WebhookSigner) sends
    ///   it (same id, new timestamp, new signature), in either profile;
    /// * a sender that resends the very bytes it signed (same id, timestamp
    ///   and signature), while the timestamp is within the tolerance.
    ///
    /// | After `forget` of event `X` | `X-Webhook` | Standard Webhooks |
    /// | --- | --- | --- |
    /// | `X`, re-signed | processed | processed |
    /// | `X`, the same signed bytes again | processed | processed |
    /// | the same signed bytes under a new id `Y` | [`Replayed`](WebhookError::Replayed) | [`BadSignature`](WebhookError::BadSignature) (the id is signed) |
    pub async fn forget<T>(&self, verified: &Verified<T>) -> Result<(), WebhookError> {
        self.store.forget(verified.replay_keys()).await.map_err(|e| {
            tracing::error!(error = %e, "webhook replay store failed to forget an event");
            WebhookError::StoreUnavailable
        })
    }

    /// Steps 1 to 3: headers, timestamp, signature. Reads the payload only
    /// as input to the MAC.
    fn authenticate(&self, headers: &WebhookHeaders<'_>, body: &[u8], now: i64) -> Result<Authentic, WebhookError> {
        let profile = self.profile;
        let [id, timestamp, signature] = headers.resolve(profile)?;
        if !is_valid_event_id(id) {
            return Err(WebhookError::MalformedHeader(WebhookHeader::Id));
        }
        let ts = parse_timestamp(timestamp).ok_or(WebhookError::MalformedHeader(WebhookHeader::Timestamp))?;
        let signatures = match profile {
            WebhookProfile::XWebhook => SignatureList::parse_hex(signature),
            WebhookProfile::StandardWebhooks => SignatureList::parse_standard(signature),
        }
        .map_err(|_| WebhookError::MalformedHeader(WebhookHeader::Signature))?;

        let age = now.saturating_sub(ts);
        if age > self.tolerance {
            return Err(WebhookError::TimestampTooOld);
        }
        if age < -self.tolerance {
            return Err(WebhookError::TimestampInFuture);
        }

        for secret in &self.secrets {
            let tag = profile.tag(secret.mac(), id, timestamp, body);
            if signatures.contains(&tag) {
                return Ok(Authentic { id: id.into(), timestamp: ts, key_id: secret.key_id(), tag });
            }
        }
        Err(WebhookError::BadSignature)
    }

    /// Step 5: record the delivery, or refuse it as a replay.
    async fn deduplicate<T>(&self, authentic: Authentic, payload: T, now: i64) -> Result<Verified<T>, WebhookError> {
        let Authentic { id, timestamp, key_id, tag } = authentic;
        // In the X-Webhook profile the id is not signed: a captured delivery
        // could come back under a fresh id. Its signature cannot change, so
        // it is remembered too.
        let keys = ReplayKeys::new(id, (!self.profile.signs_event_id()).then_some(tag));
        let ttl = self.record_ttl(timestamp, now);
        let profile = self.profile;
        match self.store.record(&keys, now, ttl).await {
            Ok(Sighting::First) => {
                telemetry::webhook(Webhook::Verified { event_id: keys.event_id(), key_id: &key_id }, profile, None);
                Ok(Verified { payload, keys, timestamp, key_id })
            }
            Ok(Sighting::Repeat) => {
                let error = WebhookError::Replayed;
                telemetry::webhook(Webhook::Refused { error: &error, event_id: Some(keys.event_id()) }, profile, None);
                Err(error)
            }
            Err(e) => {
                let error = WebhookError::StoreUnavailable;
                telemetry::webhook(Webhook::Refused { error: &error, event_id: None }, profile, Some(&e));
                Err(error)
            }
        }
    }

    /// Seconds to keep a record: until the timestamp leaves the window
    /// (`timestamp + tolerance`, inclusive, hence the extra second), and at
    /// least the retention.
    fn record_ttl(&self, timestamp: i64, now: i64) -> u64 {
        let needed = timestamp.saturating_add(self.tolerance).saturating_add(1).saturating_sub(now);
        let retention = self.retention.unwrap_or(self.tolerance.saturating_mul(2));
        u64::try_from(needed.max(retention).max(1)).unwrap_or(u64::MAX)
    }

    fn log_refusal(&self, error: &WebhookError) {
        telemetry::webhook(Webhook::Refused { error, event_id: None }, self.profile, None);
    }
}

impl<S: Clone> Clone for WebhookVerifier<S> {
    fn clone(&self) -> Self {
        WebhookVerifier {
            profile: self.profile,
            secrets: self.secrets.clone(),
            tolerance: self.tolerance,
            retention: self.retention,
            clock: self.clock.clone(),
            store: self.store.clone(),
        }
    }
}

impl<S: fmt::Debug> fmt::Debug for WebhookVerifier<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("profile", &self.profile)
            .field("secrets", &self.secrets)
            .field("tolerance_secs", &self.tolerance)
            .field("retention_secs", &self.retention)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

/// What steps 1 to 3 established.
struct Authentic {
    id: Box<str>,
    timestamp: i64,
    key_id: KeyId,
    tag: Tag,
}

/// The three webhook header values of a delivery, as the web framework
/// found them.
///
/// ```
/// use apishield::webhook::WebhookHeaders;
///
/// // From any framework: look the headers up by the profile's names.
/// let headers = WebhookHeaders::new(Some("msg_1"), Some("1700000000"), Some("v1,..."));
/// # let _ = headers;
/// ```
///
/// With the `axum` feature, an `&http::HeaderMap` converts into it; there a
/// header present twice or not visible ASCII is
/// [`MalformedHeader`](WebhookError::MalformedHeader).
#[derive(Clone, Copy)]
pub struct WebhookHeaders<'a> {
    source: Source<'a>,
}

#[derive(Clone, Copy)]
enum Source<'a> {
    Values([Option<&'a str>; 3]),
    #[cfg(feature = "http")]
    Map(&'a http::HeaderMap),
}

const ORDER: [WebhookHeader; 3] = [WebhookHeader::Id, WebhookHeader::Timestamp, WebhookHeader::Signature];

impl<'a> WebhookHeaders<'a> {
    /// The values of the id, timestamp and signature headers (`None` for an
    /// absent header), in that order: `X-Webhook-Id`, `X-Webhook-Timestamp`,
    /// `X-Webhook-Signature`, or `webhook-id`, `webhook-timestamp`,
    /// `webhook-signature`.
    pub const fn new(id: Option<&'a str>, timestamp: Option<&'a str>, signature: Option<&'a str>) -> Self {
        WebhookHeaders { source: Source::Values([id, timestamp, signature]) }
    }

    /// Looks each header up with `lookup`, by the profile's (lower-case)
    /// header names.
    pub fn from_fn(profile: WebhookProfile, mut lookup: impl FnMut(&'static str) -> Option<&'a str>) -> Self {
        WebhookHeaders::new(
            lookup(profile.id_header()),
            lookup(profile.timestamp_header()),
            lookup(profile.signature_header()),
        )
    }

    /// The three values, or the first header (in the order id, timestamp,
    /// signature) that is missing or unreadable.
    #[cfg_attr(not(feature = "http"), allow(unused_variables))]
    fn resolve(&self, profile: WebhookProfile) -> Result<[&'a str; 3], WebhookError> {
        let values = match self.source {
            Source::Values(values) => values.map(Ok),
            #[cfg(feature = "http")]
            Source::Map(map) => {
                [profile.id_header(), profile.timestamp_header(), profile.signature_header()].map(|name| {
                    let mut all = map.get_all(name).iter();
                    match (all.next(), all.next()) {
                        (None, _) => Ok(None),
                        (Some(value), None) => value.to_str().map(Some).map_err(|_| ()),
                        (Some(_), Some(_)) => Err(()),
                    }
                })
            }
        };
        let mut out = [""; 3];
        for ((slot, value), header) in out.iter_mut().zip(&values).zip(ORDER) {
            match value {
                Ok(Some(v)) => *slot = v,
                Ok(None) => return Err(WebhookError::MissingHeader(header)),
                Err(()) => {}
            }
        }
        for (value, header) in values.iter().zip(ORDER) {
            if value.is_err() {
                return Err(WebhookError::MalformedHeader(header));
            }
        }
        Ok(out)
    }
}

#[cfg(feature = "http")]
impl<'a> From<&'a http::HeaderMap> for WebhookHeaders<'a> {
    fn from(map: &'a http::HeaderMap) -> Self {
        WebhookHeaders { source: Source::Map(map) }
    }
}

impl fmt::Debug for WebhookHeaders<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Which headers are there, not what they say.
        match self.source {
            Source::Values([id, ts, sig]) => f
                .debug_struct("WebhookHeaders")
                .field("id", &id.is_some())
                .field("timestamp", &ts.is_some())
                .field("signature", &sig.is_some())
                .finish(),
            #[cfg(feature = "http")]
            Source::Map(_) => f.write_str("WebhookHeaders(HeaderMap)"),
        }
    }
}

#[cfg(test)]
#[cfg(feature = "http")]
mod header_map_tests {
    use http::{HeaderMap, HeaderName, HeaderValue};

    use super::WebhookVerifier;
    use crate::time::ManualClock;
    use crate::webhook::{WebhookError, WebhookHeader, WebhookSecret, WebhookSigner};

    const NOW: i64 = 1_700_000_000;

    fn secret() -> WebhookSecret {
        WebhookSecret::from_bytes(&[9; 32]).unwrap()
    }

    fn map(signed: &crate::webhook::SignedWebhook, spelling: fn(&str) -> String) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in signed.headers() {
            let name = HeaderName::from_bytes(spelling(name).as_bytes()).unwrap();
            map.insert(name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[tokio::test]
    async fn a_header_map_is_read_by_the_profile_names_in_any_case() {
        for (signer, verifier) in [
            (WebhookSigner::new(secret()), WebhookVerifier::new(secret())),
            (WebhookSigner::standard(secret()), WebhookVerifier::standard(secret())),
        ] {
            let verifier = verifier.clock(ManualClock::from_secs(NOW));
            let signed = signer.sign_at("msg_map", NOW, b"{}").unwrap();
            // `X-Webhook-Id` as senders write it; HTTP header names are case-insensitive.
            let map = map(&signed, |name| {
                name.split('-').map(|w| w[..1].to_uppercase() + &w[1..]).collect::<Vec<_>>().join("-")
            });
            let verified = verifier.verify_json::<serde_json::Value>(&map, b"{}").await.unwrap();
            assert_eq!(verified.event_id(), "msg_map");
        }
    }

    #[tokio::test]
    async fn missing_duplicated_and_non_ascii_headers_are_refused() {
        let verifier = WebhookVerifier::standard(secret()).clock(ManualClock::from_secs(NOW));
        let signed = WebhookSigner::standard(secret()).sign_at("msg_map", NOW, b"{}").unwrap();
        let full = map(&signed, str::to_owned);

        let mut missing = full.clone();
        missing.remove("webhook-timestamp");
        let err = verifier.verify_bytes(&missing, b"{}").await.unwrap_err();
        assert_eq!(err, WebhookError::MissingHeader(WebhookHeader::Timestamp));

        // Two signature headers: which one a proxy and the verifier each read
        // is anyone's guess, so neither is.
        let mut twice = full.clone();
        twice.append("webhook-signature", HeaderValue::from_static("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="));
        let err = verifier.verify_bytes(&twice, b"{}").await.unwrap_err();
        assert_eq!(err, WebhookError::MalformedHeader(WebhookHeader::Signature));

        let mut opaque = full.clone();
        opaque.insert("webhook-id", HeaderValue::from_bytes(b"msg_\xff").unwrap());
        let err = verifier.verify_bytes(&opaque, b"{}").await.unwrap_err();
        assert_eq!(err, WebhookError::MalformedHeader(WebhookHeader::Id));

        // The other profile's headers are not these.
        let x = WebhookVerifier::new(secret()).clock(ManualClock::from_secs(NOW));
        assert_eq!(x.verify_bytes(&full, b"{}").await.unwrap_err(), WebhookError::MissingHeader(WebhookHeader::Id));

        verifier.verify_bytes(&full, b"{}").await.unwrap();
    }
}
