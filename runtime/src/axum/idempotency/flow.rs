//! The flow of an `#[idempotent]` handler: claim the key, run the handler
//! exactly once (detached from the connection, its lock renewed), keep its
//! outcome, or answer from the record.

use std::future::{Future, poll_fn};
use std::panic::AssertUnwindSafe;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::IdempotencyKey;
use super::replay::{kept_headers, replay};
use crate::axum::ApiError;
use crate::axum::BodyLimit;
use crate::axum::extract::{BodyError, Chunks, Read, read_body, read_up_to};
use crate::axum::layer::request_id::in_current_request;
use crate::idempotency::{Claim, ClaimRequest, IdempotencyStoreError, LockToken, StoredResponse};
use crate::store::BoxFuture;
use crate::telemetry::{self, BodyExtractor, Idempotency};

/// One route's idempotency settings, from `#[idempotent(...)]`.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct RouteOptions {
    ttl: Duration,
    lock_ttl: Duration,
    rerun_abandoned: bool,
    keep_server_errors: bool,
}

impl RouteOptions {
    /// Records kept `ttl_secs`, locks held `lock_secs` between renewals.
    pub const fn new(ttl_secs: u64, lock_secs: u64) -> Self {
        RouteOptions {
            ttl: Duration::from_secs(ttl_secs),
            lock_ttl: Duration::from_secs(lock_secs),
            rerun_abandoned: false,
            keep_server_errors: false,
        }
    }

    /// A request whose lock expired without a result runs again.
    #[must_use]
    pub const fn rerun_abandoned(mut self) -> Self {
        self.rerun_abandoned = true;
        self
    }

    /// A 5xx answer is kept and replayed like any other.
    #[must_use]
    pub const fn keep_server_errors(mut self) -> Self {
        self.keep_server_errors = true;
        self
    }
}

/// Claims the key, then runs `handler` once and keeps its outcome, or
/// answers from the record.
///
/// `request` carries the body when the handler has a body extractor (the
/// macro defers that extractor into `handler`, so the raw body can be
/// fingerprinted first).
///
/// From the claim on, the claim, the handler and the recording of its
/// response run in a task of their own from the first time they wait: a
/// client that hangs up (or a timeout layer) drops this future, not the
/// job, so a claim the store took is never left without its request, and
/// a refund is never left half-recorded and then run again by the retry.
/// Until they first wait they run in place (a memory store's claim and a
/// handler that answers at once need no task).
#[doc(hidden)]
pub async fn run<F, Fut>(key: IdempotencyKey, options: RouteOptions, request: Option<Request>, handler: F) -> Response
where
    F: FnOnce(Option<Request>) -> Fut + Send + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    let (parts, body) = match request {
        Some(request) => {
            let limit = BodyLimit::of(request.extensions());
            let (parts, body) = request.into_parts();
            match read_body(body, limit, BodyExtractor::Idempotency).await {
                Ok(bytes) => (Some(parts), bytes),
                Err(BodyError::TooLarge) => {
                    return ApiError::with_status(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large").into_response();
                }
                Err(BodyError::Unreadable) => return ApiError::bad_request("body_unreadable").into_response(),
            }
        }
        None => (None, Bytes::new()),
    };
    let token = match LockToken::random() {
        Ok(token) => token,
        Err(e) => {
            telemetry::idempotency(Idempotency::Unavailable, Some(&e));
            return ApiError::unavailable().into_response();
        }
    };
    // Boxed once here: every wrapper below (and the task it is spawned as)
    // would otherwise move the job's whole future at each level.
    let mut job = Box::pin(claim_and_execute(key, options, token, parts, body, handler));
    // Polled once in place first: a store that answers at once, a handler
    // that answers without waiting and a store that records in place need
    // no task of their own, no wake-up of this one and no second pass
    // through the layers above (measured: 2.6k instructions of a fresh
    // key's 54k). What waits goes on in a task. This poll and the spawn
    // below happen in one poll of this future, with no suspension between
    // them: a client that hangs up cannot drop the job half done.
    if let Poll::Ready(response) = poll_fn(|cx| Poll::Ready(job.as_mut().poll(cx))).await {
        return response;
    }
    match tokio::runtime::Handle::try_current() {
        // The task keeps the request's id and span, captured here, in the
        // request's own poll (polled in place above, the job has them).
        Ok(runtime) => match runtime.spawn(in_current_request(job)).await {
            Ok(response) => response,
            // `execute` catches the handler's panics; this is the runtime
            // shutting down under it.
            Err(e) => ApiError::internal(format_args!("idempotent request task ended: {e}")).into_response(),
        },
        Err(_) => job.await,
    }
}

/// Claims the key with `token`; if the request starts, runs the handler and
/// records its outcome, else answers from what the claim found.
async fn claim_and_execute<F, Fut>(
    key: IdempotencyKey,
    options: RouteOptions,
    token: LockToken,
    parts: Option<axum::http::request::Parts>,
    body: Bytes,
    handler: F,
) -> Response
where
    F: FnOnce(Option<Request>) -> Fut + Send + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    let store = &*key.config().store;
    let claim = ClaimRequest {
        key: key.record(),
        owner: key.owner(),
        fingerprint: key.fingerprint(&body),
        lock_ttl: options.lock_ttl,
        ttl: options.ttl,
        rerun_abandoned: options.rerun_abandoned,
        token,
    };
    let token = match store.claim(&claim).await {
        Ok(Claim::Started(token)) => {
            telemetry::idempotency(Idempotency::Claimed, None);
            token
        }
        Ok(Claim::Replay(stored)) => {
            telemetry::idempotency(Idempotency::Replayed, None);
            return replay(stored);
        }
        Ok(Claim::InProgress) => {
            telemetry::idempotency(Idempotency::InProgress, None);
            return ApiError::conflict("idempotency_request_in_progress").into_response();
        }
        Ok(Claim::Abandoned) => {
            // Stripe would re-run; the request may have half happened, so
            // here it is the client's (or an operator's) call.
            telemetry::idempotency(Idempotency::OutcomeUnknown, None);
            return ApiError::conflict("idempotency_outcome_unknown").into_response();
        }
        Ok(Claim::Mismatch) => {
            telemetry::idempotency(Idempotency::KeyReused, None);
            return ApiError::with_status(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").into_response();
        }
        Ok(Claim::OverQuota) => {
            telemetry::idempotency(Idempotency::QuotaExceeded, None);
            return ApiError::with_status(StatusCode::TOO_MANY_REQUESTS, "idempotency_quota_exceeded").into_response();
        }
        Err(e) => {
            telemetry::idempotency(Idempotency::Unavailable, Some(&e));
            // The store may have taken the claim without this request
            // hearing of it (its reply timed out). Released, or the key
            // would answer "in progress", then "outcome unknown", for a
            // request that never ran; a release of a claim never taken
            // finds nothing to release.
            if let Err(e) = store.release(key.record(), token).await {
                tracing::warn!(error = %e, "idempotency claim not released after a store error");
            }
            return ApiError::unavailable().into_response();
        }
    };
    let request = parts.map(|parts| Request::from_parts(parts, Body::from(body)));
    // Boxed: `execute`'s wrappers would otherwise each move the handler's
    // whole future, its largest state included.
    let handler: Pin<Box<dyn Future<Output = Response> + Send>> = Box::pin(handler(request));
    execute(key, options, token, handler).await
}

/// Runs the handler with its lock renewed, then records the outcome.
async fn execute(
    key: IdempotencyKey,
    options: RouteOptions,
    token: LockToken,
    handler: impl Future<Output = Response>,
) -> Response {
    let handler = catch_unwind(handler);
    let response = match renewing(&key, token, options.lock_ttl, handler).await {
        Ok(response) => response,
        Err(()) => ApiError::internal("idempotent handler panicked").into_response(),
    };
    finish(&key, options, token, response).await
}

/// The handler's answer, or `Err` if it panicked: a panic is a 500 like any
/// other, so its key is released (or kept) by the same rule.
async fn catch_unwind<T>(future: impl Future<Output = T>) -> Result<T, ()> {
    let mut future = pin!(future);
    poll_fn(|cx| match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
        Ok(Poll::Ready(value)) => Poll::Ready(Ok(value)),
        Ok(Poll::Pending) => Poll::Pending,
        Err(_) => Poll::Ready(Err(())),
    })
    .await
}

/// Drives `work` while renewing the key's lock every third of its TTL, so
/// that a handler slower than the lock still holds it. A renewal in flight
/// does not hold the handler up: both are polled together.
async fn renewing<T>(key: &IdempotencyKey, token: LockToken, lock_ttl: Duration, work: impl Future<Output = T>) -> T {
    let store = &*key.config().store;
    let period = lock_ttl / 3;
    let mut work = pin!(work);
    // Set the first time `work` waits: work that is ready at once (a
    // handler that answers without waiting, a body already whole) costs no
    // timer.
    let mut timer = pin!(None::<tokio::time::Sleep>);
    let mut renewal: Option<BoxFuture<'_, Result<bool, IdempotencyStoreError>>> = None;
    poll_fn(|cx| {
        if let Poll::Ready(out) = work.as_mut().poll(cx) {
            return Poll::Ready(out);
        }
        if timer.is_none() {
            timer.set(Some(tokio::time::sleep(period)));
        }
        loop {
            if let Some(pending) = renewal.as_mut() {
                let Poll::Ready(result) = pending.as_mut().poll(cx) else { return Poll::Pending };
                match result {
                    Ok(true) => {}
                    Ok(false) => tracing::error!("idempotency lock lost while its request runs"),
                    Err(e) => tracing::warn!(error = %e, "idempotency lock not renewed; trying again"),
                }
                renewal = None;
                if let Some(timer) = timer.as_mut().as_pin_mut() {
                    timer.reset(tokio::time::Instant::now() + period);
                }
            }
            let Some(sleep) = timer.as_mut().as_pin_mut() else { return Poll::Pending };
            match sleep.poll(cx) {
                Poll::Ready(()) => renewal = Some(store.renew(key.record(), token, lock_ttl)),
                Poll::Pending => return Poll::Pending,
            }
        }
    })
    .await
}

/// Responses that must not be replayed: the client should retry them, or
/// the handler's code never ran.
fn releases_key(response: &Response, options: RouteOptions) -> bool {
    let status = response.status();
    (status.is_server_error() && !options.keep_server_errors)
        || status == StatusCode::REQUEST_TIMEOUT
        || status == StatusCode::TOO_MANY_REQUESTS
        || response.extensions().get::<NotRun>().is_some()
}

/// Keeps the outcome (or releases the key), and returns the response to send.
async fn finish(key: &IdempotencyKey, options: RouteOptions, token: LockToken, response: Response) -> Response {
    let config = key.config();
    let status = response.status();
    if releases_key(&response, options) {
        // A key left locked answers 409 "in progress" until its lock
        // expires, then "outcome unknown".
        if let Err(e) = twice(|| config.store.release(key.record(), token)).await {
            tracing::warn!(
                error = %e,
                "idempotency key not released: retries get 409, in progress and then outcome unknown"
            );
        }
        return response;
    }
    let ttl = match config.client_error_ttl {
        Some(short) if status.is_client_error() => options.ttl.min(short),
        _ => options.ttl,
    };
    let (parts, body) = response.into_parts();
    // A body may do its work as it is read (a stream from a cursor, from
    // another service): the lock is renewed while it is, and a body that
    // panics is a 500 like a handler that does.
    let collected =
        renewing(key, token, options.lock_ttl, catch_unwind(collect(body, config.max_response_bytes))).await;
    let Ok(collected) = collected else {
        let failed = ApiError::internal("idempotent response body panicked").into_response();
        return Box::pin(finish(key, options, token, failed)).await;
    };
    let headers = kept_headers(&parts.headers, &config.extra_replay_headers);
    let (kept, body) = match collected {
        Collected::Whole(bytes) => (Some(bytes.to_vec()), Ok(Body::from(bytes))),
        Collected::TooLarge(body) => {
            tracing::info!(limit = config.max_response_bytes, "response too large to keep for replay");
            (None, Ok(body))
        }
        Collected::Failed(e) => (None, Err(e)),
    };
    let stored = StoredResponse { status: status.as_u16(), headers, body: kept };
    // An outcome not kept leaves retries with 409
    // `idempotency_outcome_unknown` once the lock expires.
    match twice(|| config.store.complete(key.record(), token, &stored, ttl)).await {
        Ok(true) => {}
        Ok(false) => tracing::warn!("idempotency lock taken over by a re-run; this outcome was not kept"),
        Err(e) => tracing::error!(error = %e, "idempotent outcome not kept; retries get 409 outcome unknown"),
    }
    match body {
        Ok(body) => Response::from_parts(parts, body),
        Err(e) => ApiError::internal(format_args!("response body failed: {e}")).into_response(),
    }
}

/// A store call, and one more try if it fails (a dropped connection): what
/// is not released or kept leaves the key answering 409.
async fn twice<'a, T>(
    call: impl Fn() -> BoxFuture<'a, Result<T, IdempotencyStoreError>>,
) -> Result<T, IdempotencyStoreError> {
    match call().await {
        Err(_) => call().await,
        done => done,
    }
}

enum Collected {
    /// The whole body, within the limit.
    Whole(Bytes),
    /// Over the limit: what was read, then the rest, unread.
    TooLarge(Body),
    Failed(axum::Error),
}

/// Reads `body` up to `limit` bytes: all of it if it fits, else a body that
/// sends what was read and then the rest (a streamed response is passed on,
/// not cut).
async fn collect(body: Body, limit: usize) -> Collected {
    let mut body = body;
    match read_up_to(&mut body, limit).await {
        Read::Whole(bytes) => Collected::Whole(bytes),
        Read::Over(read) => Collected::TooLarge(Body::new(Prefixed { read, rest: body })),
        Read::Failed(e) => Collected::Failed(e),
    }
}

/// A body whose first chunks were already read.
struct Prefixed {
    read: Chunks,
    rest: Body,
}

impl HttpBody for Prefixed {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        match self.read.pop_front() {
            Some(chunk) => Poll::Ready(Some(Ok(http_body::Frame::data(chunk)))),
            None => Pin::new(&mut self.rest).poll_frame(cx),
        }
    }
}

/// Runs a handler's deferred body extractor on the request whose body was
/// fingerprinted.
#[doc(hidden)]
pub async fn extract<T, M>(request: Option<Request>) -> Result<T, Response>
where
    T: FromRequest<(), M>,
{
    let request = request.unwrap_or_default();
    T::from_request(request, &()).await.map_err(|rejection| {
        let mut response = rejection.into_response();
        response.extensions_mut().insert(NotRun);
        response
    })
}

/// Marks the answer of a request refused before the handler's code ran (its
/// body extractor refused the body): nothing happened, so nothing is kept
/// and the key is free for the corrected request (another `Content-Type`,
/// say). A replayed 415 for a request that was never run would only stand
/// in its way.
#[derive(Debug, Clone, Copy)]
struct NotRun;

/// Keeps a handler body's type where the macro has to name it.
#[doc(hidden)]
#[inline(always)]
pub fn typed<T, F: Future<Output = T>>(future: F) -> F {
    future
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::extract::FromRequestParts;

    use super::*;
    use crate::auth::Principal;
    use crate::axum::Idempotency;

    /// A memory store whose answers are late or lost, as a remote store's
    /// can be: its claim is taken, then the answer waits for `claim_answered`
    /// (or is an error when `claim_answer_lost`); its `complete` waits for
    /// `recorded`.
    #[derive(Default)]
    struct Remote {
        store: crate::idempotency::MemoryIdempotencyStore,
        claim_answered: Option<Arc<tokio::sync::Notify>>,
        claim_answer_lost: Arc<std::sync::atomic::AtomicBool>,
        recorded: Option<Arc<tokio::sync::Notify>>,
        /// The next release fails (a dropped connection), once.
        release_fails_once: std::sync::atomic::AtomicBool,
    }

    impl crate::idempotency::IdempotencyStore for Remote {
        fn claim<'a>(&'a self, request: &'a ClaimRequest<'a>) -> BoxFuture<'a, Result<Claim, IdempotencyStoreError>> {
            Box::pin(async move {
                let claim = self.store.claim(request).await;
                if let Some(answered) = &self.claim_answered {
                    answered.notified().await;
                }
                if self.claim_answer_lost.load(Ordering::SeqCst) {
                    Err(IdempotencyStoreError::new("the reply timed out"))
                } else {
                    claim
                }
            })
        }
        fn renew<'a>(
            &'a self,
            key: &'a str,
            token: LockToken,
            lock_ttl: Duration,
        ) -> BoxFuture<'a, Result<bool, IdempotencyStoreError>> {
            self.store.renew(key, token, lock_ttl)
        }
        fn complete<'a>(
            &'a self,
            key: &'a str,
            token: LockToken,
            response: &'a StoredResponse,
            ttl: Duration,
        ) -> BoxFuture<'a, Result<bool, IdempotencyStoreError>> {
            Box::pin(async move {
                if let Some(recorded) = &self.recorded {
                    recorded.notified().await;
                }
                self.store.complete(key, token, response, ttl).await
            })
        }
        fn release<'a>(&'a self, key: &'a str, token: LockToken) -> BoxFuture<'a, Result<bool, IdempotencyStoreError>> {
            if self.release_fails_once.swap(false, Ordering::SeqCst) {
                return Box::pin(std::future::ready(Err(IdempotencyStoreError::new("connection dropped"))));
            }
            self.store.release(key, token)
        }
    }

    /// A 5xx frees its key even when the first release fails: the retry
    /// runs, rather than meeting 409 for the record's whole life.
    #[tokio::test]
    async fn a_release_that_fails_once_is_tried_again() {
        let config = Idempotency::new(Remote {
            release_fails_once: std::sync::atomic::AtomicBool::new(true),
            ..Remote::default()
        });
        let runs = Arc::new(AtomicUsize::new(0));
        let failing = |runs: &Arc<AtomicUsize>| {
            let runs = runs.clone();
            move |_: Option<Request>| async move {
                runs.fetch_add(1, Ordering::SeqCst);
                StatusCode::SERVICE_UNAVAILABLE.into_response()
            }
        };
        let first = run(key_for(&config, "r").await, RouteOptions::new(60, 10), None, failing(&runs)).await;
        assert_eq!(first.status(), StatusCode::SERVICE_UNAVAILABLE);
        let retry = run(key_for(&config, "r").await, RouteOptions::new(60, 10), None, counting(&runs)).await;
        assert_eq!((retry.status(), runs.load(Ordering::SeqCst)), (StatusCode::OK, 2));
    }

    /// A handler that counts its runs and answers `refund #n` at once.
    fn counting(runs: &Arc<AtomicUsize>) -> impl FnOnce(Option<Request>) -> BoxFuture<'static, Response> + use<> {
        let runs = runs.clone();
        move |_: Option<Request>| {
            Box::pin(async move {
                let n = runs.fetch_add(1, Ordering::SeqCst) + 1;
                format!("refund #{n}").into_response()
            })
        }
    }

    async fn body_of(response: Response) -> Bytes {
        axum::body::to_bytes(response.into_body(), 1024).await.unwrap_or_default()
    }

    async fn let_tasks_run() {
        for _ in 0..100 {
            tokio::task::yield_now().await;
        }
    }

    /// The client hangs up while the store's answer to the claim is on its
    /// way (the store took the claim): the claim, the handler and the
    /// recording go on in a task, and the retry is a replay. Before, the
    /// claim was dropped with the connection: the key stayed "in progress",
    /// then "outcome unknown", for a request that never ran.
    #[tokio::test]
    async fn a_flow_dropped_while_its_claim_is_answered_still_runs_once() {
        let answered = Arc::new(tokio::sync::Notify::new());
        let config = Idempotency::new(Remote { claim_answered: Some(answered.clone()), ..Remote::default() });
        let runs = Arc::new(AtomicUsize::new(0));
        let mut first = Box::pin(run(key_for(&config, "c").await, RouteOptions::new(60, 10), None, counting(&runs)));
        assert!(poll_fn(|cx| Poll::Ready(first.as_mut().poll(cx))).await.is_pending());
        drop(first);
        answered.notify_one();
        let_tasks_run().await;
        assert_eq!(runs.load(Ordering::SeqCst), 1, "the claimed request ran although its client left");
        // The retry: its own claim's answer comes at once.
        answered.notify_one();
        let retry = run(key_for(&config, "c").await, RouteOptions::new(60, 10), None, counting(&runs)).await;
        assert_eq!(retry.headers().get("idempotent-replayed").map(|v| v.as_bytes()), Some(&b"true"[..]));
        assert_eq!(&body_of(retry).await[..], b"refund #1");
    }

    /// The store took the claim, but its answer was lost (a timeout): 503,
    /// and the claim is released, so the retry runs the request (once).
    #[tokio::test]
    async fn a_claim_whose_answer_was_lost_is_released() {
        let lost = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let config = Idempotency::new(Remote { claim_answer_lost: lost.clone(), ..Remote::default() });
        let runs = Arc::new(AtomicUsize::new(0));
        let first = run(key_for(&config, "t").await, RouteOptions::new(60, 10), None, counting(&runs)).await;
        assert_eq!(first.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(runs.load(Ordering::SeqCst), 0);
        lost.store(false, Ordering::SeqCst);
        let retry = run(key_for(&config, "t").await, RouteOptions::new(60, 10), None, counting(&runs)).await;
        assert_eq!((retry.status(), &body_of(retry).await[..]), (StatusCode::OK, &b"refund #1"[..]));
    }

    async fn key_for(config: &Idempotency, name: &str) -> IdempotencyKey {
        let request = Request::builder()
            .method("POST")
            .uri("/refunds")
            .header("idempotency-key", name)
            .extension(Principal::new("alice"))
            .body(Body::empty())
            .unwrap_or_default();
        let (mut parts, _) = request.into_parts();
        match IdempotencyKey::from_request_parts(&mut parts, config).await {
            Ok(key) => key,
            Err(_) => panic!("the key is refused"),
        }
    }

    /// A handler that answers at once runs in place, in the first poll;
    /// its outcome's recording waits on the store. The client hangs up
    /// right then (the flow's future is dropped after that one poll): the
    /// recording goes on in a task of its own, and the retry is a replay.
    #[tokio::test]
    async fn a_flow_dropped_while_its_outcome_is_recorded_still_records_it() {
        let recorded = Arc::new(tokio::sync::Notify::new());
        let config = Idempotency::new(Remote { recorded: Some(recorded.clone()), ..Remote::default() });
        let runs = Arc::new(AtomicUsize::new(0));
        let mut first = Box::pin(run(key_for(&config, "k").await, RouteOptions::new(60, 10), None, counting(&runs)));
        let polled = poll_fn(|cx| Poll::Ready(first.as_mut().poll(cx))).await;
        assert!(polled.is_pending(), "the outcome's recording waits on the store");
        assert_eq!(runs.load(Ordering::SeqCst), 1, "the handler ran in the first poll");
        drop(first);
        recorded.notify_one();
        // The recording task runs once this test's task yields.
        let_tasks_run().await;
        let retry = run(key_for(&config, "k").await, RouteOptions::new(60, 10), None, counting(&runs)).await;
        assert_eq!(retry.headers().get("idempotent-replayed").map(|v| v.as_bytes()), Some(&b"true"[..]));
        assert_eq!(&body_of(retry).await[..], b"refund #1");
        assert_eq!(runs.load(Ordering::SeqCst), 1, "the retry replayed, it did not run again");
    }

    /// A handler that waits runs in its task from there: dropped after its
    /// first poll, the flow's handler still runs to its end.
    #[tokio::test]
    async fn a_flow_dropped_while_its_handler_waits_still_runs_it_once() {
        let config = Idempotency::memory();
        let finished = Arc::new(AtomicUsize::new(0));
        let done = finished.clone();
        let handler = move |_: Option<Request>| async move {
            tokio::task::yield_now().await;
            done.fetch_add(1, Ordering::SeqCst);
            "done".into_response()
        };
        let mut flow = Box::pin(run(key_for(&config, "w").await, RouteOptions::new(60, 10), None, handler));
        assert!(poll_fn(|cx| Poll::Ready(flow.as_mut().poll(cx))).await.is_pending());
        drop(flow);
        let_tasks_run().await;
        assert_eq!(finished.load(Ordering::SeqCst), 1);
        let retry = run(key_for(&config, "w").await, RouteOptions::new(60, 10), None, |_| async {
            "ran again".into_response()
        })
        .await;
        assert_eq!(retry.headers().get("idempotent-replayed").map(|v| v.as_bytes()), Some(&b"true"[..]));
    }

    /// The flow holds the handler's future behind one pointer: every layer
    /// of the flow (and the task it is spawned as) moved the handler's whole
    /// future, its largest state included, which cost an idempotent POST
    /// about 130 000 instructions of copying (3.3 times the request's own
    /// cost) before it was boxed.
    #[tokio::test]
    async fn the_flow_does_not_carry_the_handlers_future() {
        let key = key_for(&Idempotency::memory(), "key-0001").await;
        let handler = |_: Option<Request>| async {
            // A handler whose future is large: a buffer held across an await.
            let buffer = [7u8; 16 * 1024];
            tokio::task::yield_now().await;
            format!("{}", buffer.iter().map(|b| usize::from(*b)).sum::<usize>()).into_response()
        };
        let handler_size = std::mem::size_of_val(&handler(None));
        let flow = run(key, RouteOptions::new(60, 10), None, handler);
        let flow_size = std::mem::size_of_val(&flow);
        assert!(handler_size > 16 * 1024, "the handler's future is {handler_size} bytes");
        assert!(flow_size < 2 * 1024, "the flow's future is {flow_size} bytes; its handler's is {handler_size}");
    }
}
