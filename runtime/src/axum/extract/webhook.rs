//! Receiving webhooks in axum: `Verified<T>` as an extractor, configured
//! by the `WebhookEndpoint` in the route's state.

use std::fmt;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;

use super::body_limit::{BodyError, BodyLimit, read_body};
use crate::axum::ApiError;
use crate::webhook::{ReplayStore, Verified, WebhookError, WebhookVerifier};

/// A webhook receiving route's verifier: the state the [`Verified<T>`]
/// extractor takes it from, one endpoint per sender.
///
/// [`Verified<T>`] extracts through `WebhookEndpoint: FromRef<S>` of the
/// route's state `S`, so a route whose handler takes a `Verified<T>`
/// compiles only where the state provides an endpoint: give the route the
/// endpoint as its state (`post(handler).with_state(endpoint)`, one per
/// sender), or implement `FromRef<AppState>` for it (`#[derive(FromRef)]`
/// on the application's state). There is no run-time fallback: a webhook
/// route without its secret does not build.
///
/// The handler's argument is the verified payload; the handler runs only for
/// a delivery that is authentic, fresh and new. Everything else is answered
/// before it, so no handler can forget a check:
///
/// | Delivery | Answer |
/// | --- | --- |
/// | verified | the handler's |
/// | duplicate of an accepted event ([`WebhookError::Replayed`]) | 200, empty, handler not run |
/// | missing or malformed header, stale or future timestamp, bad signature | 401, one generic problem body for all |
/// | authentic but not a `T` ([`WebhookError::InvalidPayload`]) | 400 `invalid_payload` |
/// | body over the route's [`BodyLimit`] (1 MiB by default) | 413 |
/// | a body that does not arrive whole (a malformed chunked encoding, a client gone mid-body) | 400 `body_unreadable` |
/// | replay store unreachable or full ([`WebhookError::StoreUnavailable`]) | 503, so the sender retries |
///
/// An authentic delivery that does not parse gets 400 rather than 401: only
/// a holder of the secret can reach that answer, so it tells an attacker
/// nothing, and it tells the sender the truth (its payload, not its secret,
/// is wrong).
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use apishield::axum::WebhookEndpoint;
/// use apishield::webhook::{Verified, WebhookSecret, WebhookVerifier};
/// use axum::{Router, routing::post};
///
/// #[derive(serde::Deserialize)]
/// struct InvoicePaid { invoice: String }
///
/// async fn invoice_paid(event: Verified<InvoicePaid>) -> &'static str {
///     // Runs once per event, only for authentic, fresh deliveries.
///     let _ = &event.invoice;
///     "ok"
/// }
///
/// // In production: WebhookSecret::from_standard(&std::env::var("BILLING_WEBHOOK_SECRET")?)
/// let secret = WebhookSecret::generate().unwrap();
/// let endpoint = WebhookEndpoint::new(WebhookVerifier::standard(secret));
/// let app: Router = Router::new().route("/webhooks/billing", post(invoice_paid).with_state(endpoint));
/// # let _ = app;
/// # }
/// ```
///
/// Clones share the verifier (and so its replay records).
#[derive(Clone)]
pub struct WebhookEndpoint {
    verifier: Arc<WebhookVerifier<Arc<dyn ReplayStore>>>,
}

impl WebhookEndpoint {
    /// Receives with `verifier` (its profile, secrets, tolerance and replay
    /// store).
    pub fn new<S: ReplayStore + 'static>(verifier: WebhookVerifier<S>) -> Self {
        WebhookEndpoint { verifier: Arc::new(verifier.into_shared()) }
    }

    /// Forgets an accepted delivery so that the sender's retry is processed:
    /// call it when processing failed and answer 5xx
    /// (see [`WebhookVerifier::forget`]). Take the endpoint in the handler
    /// from the state: `State(endpoint): State<WebhookEndpoint>`.
    pub async fn forget<T>(&self, verified: &Verified<T>) -> Result<(), WebhookError> {
        self.verifier.forget(verified).await
    }
}

impl fmt::Debug for WebhookEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookEndpoint").field("profile", &self.verifier.profile()).finish_non_exhaustive()
    }
}

/// Why the [`Verified<T>`] extractor answered instead of the handler. Take
/// `Result<Verified<T>, WebhookRejection>` to see it in the handler; its
/// response is in the table of [`WebhookEndpoint`].
#[derive(Debug)]
pub struct WebhookRejection {
    kind: RejectionKind,
}

#[derive(Debug)]
enum RejectionKind {
    Refused(WebhookError),
    TooLarge,
    /// The body did not arrive whole (a transport error, not a size).
    Unreadable,
}

impl WebhookRejection {
    /// The verifier's reason, when the delivery was read and refused.
    pub fn error(&self) -> Option<&WebhookError> {
        match &self.kind {
            RejectionKind::Refused(e) => Some(e),
            RejectionKind::TooLarge | RejectionKind::Unreadable => None,
        }
    }

    /// `true` for a duplicate of an accepted event (answered 200).
    pub fn is_duplicate(&self) -> bool {
        self.error().is_some_and(WebhookError::is_duplicate)
    }

    /// The status of the answer.
    pub fn status(&self) -> StatusCode {
        match &self.kind {
            RejectionKind::Refused(WebhookError::Replayed) => StatusCode::OK,
            RejectionKind::Refused(WebhookError::StoreUnavailable) => StatusCode::SERVICE_UNAVAILABLE,
            RejectionKind::Refused(WebhookError::InvalidPayload { .. }) => StatusCode::BAD_REQUEST,
            RejectionKind::Refused(_) => StatusCode::UNAUTHORIZED,
            RejectionKind::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            RejectionKind::Unreadable => StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for WebhookRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            RejectionKind::Refused(e) => write!(f, "webhook delivery refused: {e}"),
            RejectionKind::TooLarge => f.write_str("webhook body over the route's limit"),
            RejectionKind::Unreadable => f.write_str("webhook body could not be read"),
        }
    }
}

impl std::error::Error for WebhookRejection {}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        match self.kind {
            // Already accepted once: success, so the sender stops retrying.
            RejectionKind::Refused(WebhookError::Replayed) => StatusCode::OK.into_response(),
            RejectionKind::Refused(WebhookError::StoreUnavailable) => ApiError::unavailable().into_response(),
            RejectionKind::Refused(WebhookError::InvalidPayload { .. }) => {
                ApiError::bad_request("invalid_payload").into_response()
            }
            // The cause was logged by the verifier; the sender learns nothing.
            RejectionKind::Refused(_) => ApiError::unauthorized().into_response(),
            RejectionKind::TooLarge => {
                ApiError::with_status(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").into_response()
            }
            RejectionKind::Unreadable => ApiError::bad_request("body_unreadable").into_response(),
        }
    }
}

/// Extracts a verified webhook payload: reads the raw body up to the
/// route's [`BodyLimit`], verifies it with the [`WebhookEndpoint`] of the
/// route's state (headers, timestamp, signature, replay) and only then
/// parses it as JSON. Being a body extractor, it is the handler's last
/// argument.
impl<S, T> FromRequest<S> for Verified<T>
where
    S: Send + Sync,
    WebhookEndpoint: FromRef<S>,
    T: DeserializeOwned + Send,
{
    type Rejection = WebhookRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, WebhookRejection> {
        let endpoint = WebhookEndpoint::from_ref(state);
        let limit = BodyLimit::of(req.extensions());
        let (parts, body) = req.into_parts();
        let bytes = read_body(body, limit, crate::telemetry::BodyExtractor::Webhook).await.map_err(|e| match e {
            BodyError::TooLarge => WebhookRejection { kind: RejectionKind::TooLarge },
            BodyError::Unreadable => WebhookRejection { kind: RejectionKind::Unreadable },
        })?;
        endpoint
            .verifier
            .verify_json::<T>(&parts.headers, &bytes)
            .await
            .map_err(|e| WebhookRejection { kind: RejectionKind::Refused(e) })
    }
}
