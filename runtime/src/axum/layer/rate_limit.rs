//! The rate-limit layer: one decision per request, per principal or per
//! client address, with the decision's headers on every answer.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, ready};

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::auth::Principal;
use crate::axum::ApiError;
use crate::client_addr::{ClientAddr, TrustedProxies};
use crate::rate_limit::{Outcome, RateLimitDecision, RateLimitError, RateLimitKey, RateLimiter};
use crate::telemetry::{self, Limiter as LimiterKind};

/// The code of the 400 answered when a trusted proxy's forwarding header
/// names no client.
pub(crate) const INVALID_FORWARDED: &str = "invalid_forwarded_header";

/// Limits the requests of the routes it wraps with a [`RateLimiter`]
/// ([`MemoryRateLimiter`](crate::rate_limit::MemoryRateLimiter), or
/// `RedisRateLimiter` when several processes share the budget).
///
/// * Key: the authenticated [`Principal`]'s [holder](Principal::holder) identity (its caller, an API
///   key apart from its owner's logins) when there is one (put
///   the [`AuthenticationLayer`](crate::axum::AuthenticationLayer) layer outside this one),
///   otherwise the client address ([`RateLimitKey::client_ip`], IPv6 by
///   /64) from axum's `ConnectInfo` (serve with
///   `into_make_service_with_connect_info::<SocketAddr>()`), or, behind
///   [`trusted_proxies`](Self::trusted_proxies), the address they report in
///   `X-Forwarded-For` or `Forwarded` (see [`client_addr`](crate::client_addr)).
///   A forwarding header from a trusted proxy whose client entry is
///   malformed is answered 400 `invalid_forwarded_header`: keying by the
///   proxy's own address would put every client behind it into one budget.
/// * Limiter: the one of the principal's first matching
///   [`role`](Self::role), else the default; requests without a principal
///   use the [`anonymous`](Self::anonymous) limiter if set. So the
///   reference's tiers are one layer:
///   `RateLimitLayer::new(free).role("paid", paid).anonymous(unauthenticated)`.
/// * Answer: the route's, with the decision's `X-RateLimit-*`,
///   `RateLimit-Policy` and `RateLimit` headers; 429 problem+json with
///   `Retry-After` when a window is full (the route does not run); 503 with
///   `Retry-After` when the limiter's store is down and it fails closed.
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use apishield::axum::RateLimitLayer;
/// use apishield::rate_limit::{MemoryRateLimiter, RateLimitPolicy};
/// use axum::{Router, routing::get};
///
/// let app: Router = Router::new()
///     .route("/orders", get(|| async { "[]" }))
///     .layer(
///         RateLimitLayer::new(MemoryRateLimiter::new(RateLimitPolicy::free()))
///             .role("paid", MemoryRateLimiter::new(RateLimitPolicy::paid()))
///             .anonymous(MemoryRateLimiter::new(RateLimitPolicy::unauthenticated())),
///     );
/// # let _ = app;
/// # }
/// ```
#[derive(Clone)]
pub struct RateLimitLayer {
    inner: Arc<Config>,
}

/// Limiters of any kind, behind one type (a layer may mix a memory limiter
/// for anonymous clients with a Redis one for principals), each with its
/// `RateLimit-Policy` value rendered once: the policy never changes, and
/// formatting it on every answer was a tenth of the layer's cost.
#[derive(Clone)]
struct Limiter {
    limiter: Arc<dyn RateLimiter>,
    policy: HeaderValue,
}

impl Limiter {
    fn new(limiter: impl RateLimiter + 'static) -> Limiter {
        let rendered = limiter.policy().policy_header();
        // Window names are tokens and the rest digits and separators.
        let policy = HeaderValue::try_from(rendered).unwrap_or_else(|_| HeaderValue::from_static(""));
        Limiter { limiter: Arc::new(limiter), policy }
    }
}

#[derive(Clone)]
struct Config {
    default: Limiter,
    roles: Vec<(String, Limiter)>,
    anonymous: Option<Limiter>,
    cost: u32,
    proxies: TrustedProxies,
}

impl RateLimitLayer {
    /// Every request through `limiter`, at a cost of 1. A limiter that other
    /// layers share (one budget across several route groups) is an `Arc`:
    /// `RateLimitLayer::new(Arc::clone(&limiter))`.
    pub fn new(limiter: impl RateLimiter + 'static) -> Self {
        RateLimitLayer {
            inner: Arc::new(Config {
                default: Limiter::new(limiter),
                roles: Vec::new(),
                anonymous: None,
                cost: 1,
                proxies: TrustedProxies::none(),
            }),
        }
    }

    fn config_mut(&mut self) -> &mut Config {
        // Before the layer is in use nothing else holds the configuration;
        // if a configured layer was cloned, the clone keeps its own.
        Arc::make_mut(&mut self.inner)
    }

    /// Principals with `role` use `limiter` (the first matching role wins,
    /// in the order they were added).
    #[must_use]
    pub fn role(mut self, role: impl Into<String>, limiter: impl RateLimiter + 'static) -> Self {
        self.config_mut().roles.push((role.into(), Limiter::new(limiter)));
        self
    }

    /// Requests without a principal use `limiter`, keyed by client address.
    #[must_use]
    pub fn anonymous(mut self, limiter: impl RateLimiter + 'static) -> Self {
        self.config_mut().anonymous = Some(Limiter::new(limiter));
        self
    }

    /// Each request costs `cost` units (weighted endpoints: an export that
    /// costs 10). A cost above a policy's smallest window is a configuration
    /// error, answered 500 and logged.
    #[must_use]
    pub fn cost(mut self, cost: u32) -> Self {
        self.config_mut().cost = cost;
        self
    }

    /// The proxies that may report the client's address (default: none,
    /// the peer address is the client, since a client can write anything
    /// into a forwarding header and choose its own key). Give the
    /// [`AuthenticationLayer`](crate::axum::AuthenticationLayer) layer the same.
    ///
    /// ```
    /// # #[cfg(feature = "axum")] {
    /// use apishield::axum::RateLimitLayer;
    /// use apishield::client_addr::TrustedProxies;
    /// use apishield::rate_limit::{MemoryRateLimiter, RateLimitPolicy};
    ///
    /// let proxies = TrustedProxies::parse(["10.0.0.0/8"]).expect("valid networks");
    /// let limit = RateLimitLayer::new(MemoryRateLimiter::new(RateLimitPolicy::unauthenticated())).trusted_proxies(proxies);
    /// # let _ = limit;
    /// # }
    /// ```
    #[must_use]
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.config_mut().proxies = proxies;
        self
    }

    /// The server sits behind `proxies` reverse proxies that each append to
    /// `X-Forwarded-For`: the client is the entry `proxies` from the right
    /// ([`TrustedProxies::hops`]). It cannot check that the request came
    /// through them: prefer [`trusted_proxies`](Self::trusted_proxies) with
    /// the proxies' networks.
    #[must_use]
    pub fn trust_forwarded_for(self, proxies: usize) -> Self {
        self.trusted_proxies(TrustedProxies::hops(proxies))
    }

    /// Decides one request: which limiter and key, then the limiter's word.
    pub async fn decide(&self, headers: &HeaderMap, peer: Option<IpAddr>, principal: Option<&Principal>) -> Decided {
        match self.decide_now_or_ask(headers, peer, principal) {
            Deciding::Now(decided) => decided,
            Deciding::Ask(ask) => ask.answer().await,
        }
    }

    /// [`decide`](Self::decide) without waiting when the limiter decides
    /// in place (a memory limiter); otherwise what to ask it (Redis), the
    /// limiter and key chosen once.
    fn decide_now_or_ask(&self, headers: &HeaderMap, peer: Option<IpAddr>, principal: Option<&Principal>) -> Deciding {
        let Some((limiter, kind, key)) = self.choose(headers, peer, principal) else {
            return Deciding::Now(Decided::new(Verdict::BadForwarded, None));
        };
        match limiter.limiter.check_in_place(&key, self.inner.cost) {
            Some(result) => Deciding::Now(decided(limiter, kind, result)),
            None => Deciding::Ask(Ask { limiter: limiter.clone(), kind, key: key.into_owned(), cost: self.inner.cost }),
        }
    }

    /// The limiter and key of a request; `None` for a forwarding header
    /// that names no client (answered 400 without a decision).
    fn choose<'a>(
        &'a self,
        headers: &HeaderMap,
        peer: Option<IpAddr>,
        principal: Option<&'a Principal>,
    ) -> Option<(&'a Limiter, LimiterKind, Cow<'a, RateLimitKey>)> {
        let config = &*self.inner;
        match principal {
            Some(p) => {
                let (limiter, kind) = match config.roles.iter().find(|(role, _)| p.has_role(role)) {
                    Some((_, limiter)) => (limiter, LimiterKind::Role),
                    None => (&config.default, LimiterKind::Default),
                };
                Some((limiter, kind, Cow::Borrowed(p.rate_limit_key())))
            }
            None => {
                let (limiter, kind) = match &config.anonymous {
                    Some(limiter) => (limiter, LimiterKind::Anonymous),
                    None => (&config.default, LimiterKind::Default),
                };
                match config.proxies.resolve_headers(peer, headers) {
                    Ok(client) => Some((limiter, kind, Cow::Owned(client_key(&client)))),
                    Err(_) => {
                        telemetry::rate_limit(telemetry::RateLimit::InvalidForwarded, kind);
                        None
                    }
                }
            }
        }
    }
}

/// A request's decision, or the limiter to ask for it.
// The decision made in place is the common case: boxing it would allocate
// per request.
#[allow(clippy::large_enum_variant)]
enum Deciding {
    Now(Decided),
    Ask(Ask),
}

/// A decision to ask a limiter for (over the network), the limiter and key
/// chosen: owned, so that it can be asked after the request moved on.
struct Ask {
    limiter: Limiter,
    kind: LimiterKind,
    key: RateLimitKey,
    cost: u32,
}

impl Ask {
    async fn answer(self) -> Decided {
        decided(&self.limiter, self.kind, self.limiter.limiter.check(&self.key, self.cost).await)
    }
}

/// The limiter's word as a [`Decided`], counted.
fn decided(limiter: &Limiter, kind: LimiterKind, result: Result<RateLimitDecision, RateLimitError>) -> Decided {
    match result {
        Ok(decision) => {
            telemetry::rate_limit(telemetry::RateLimit::Decided(&decision), kind);
            Decided::new(Verdict::Decision(decision), Some(limiter.policy.clone()))
        }
        Err(_) => {
            telemetry::rate_limit(telemetry::RateLimit::Misconfigured, kind);
            Decided::new(Verdict::Misconfigured, None)
        }
    }
}

/// The key of an anonymous client; without an address, one shared key.
fn client_key(client: &ClientAddr) -> RateLimitKey {
    client.rate_limit_key().unwrap_or_else(|| {
        static WARNED: AtomicBool = AtomicBool::new(false);
        if !WARNED.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "rate limit: no client address (serve with into_make_service_with_connect_info); \
                 anonymous requests share one budget"
            );
        }
        RateLimitKey::client_ip(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    })
}

impl RateLimitLayer {
    /// What this layer enforces, for the audit: the default limiter's policy.
    pub(crate) fn enforcement(&self) -> crate::routing::Enforcement {
        crate::routing::Enforcement::RateLimit { policy: self.inner.default.limiter.policy().policy_header() }
    }
}

impl fmt::Debug for RateLimitLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &*self.inner;
        f.debug_struct("RateLimitLayer")
            .field("roles", &c.roles.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>())
            .field("anonymous", &c.anonymous.is_some())
            .field("cost", &c.cost)
            .field("proxies", &c.proxies)
            .finish()
    }
}

/// What [`RateLimitLayer::decide`] decided: the limiter's decision, a
/// configuration error (a cost no window can hold), or a forwarding header
/// that names no client.
#[derive(Debug, Clone)]
pub struct Decided {
    verdict: Verdict,
    /// The deciding limiter's `RateLimit-Policy`.
    policy: Option<HeaderValue>,
}

// The decision is the common case: boxing it would allocate per request.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Verdict {
    Decision(RateLimitDecision),
    Misconfigured,
    BadForwarded,
}

impl Decided {
    fn new(verdict: Verdict, policy: Option<HeaderValue>) -> Decided {
        Decided { verdict, policy }
    }

    /// Puts the decision's headers on an answer.
    fn write_headers(&self, headers: &mut HeaderMap) {
        match (&self.verdict, &self.policy) {
            (Verdict::Decision(decision), Some(policy)) => decision.write_headers_with_policy(headers, policy),
            (Verdict::Decision(decision), None) => decision.write_headers(headers),
            _ => {}
        }
    }

    /// The limiter's decision, if it could decide.
    pub fn decision(&self) -> Option<&RateLimitDecision> {
        match &self.verdict {
            Verdict::Decision(decision) => Some(decision),
            Verdict::Misconfigured | Verdict::BadForwarded => None,
        }
    }

    /// The refusal to send instead of the route's answer, if any.
    fn refusal(&self) -> Option<Response> {
        let decision = match &self.verdict {
            Verdict::Decision(decision) => decision,
            Verdict::Misconfigured => {
                return Some(ApiError::internal("rate limit cost exceeds the policy").into_response());
            }
            Verdict::BadForwarded => return Some(ApiError::bad_request(INVALID_FORWARDED).into_response()),
        };
        let mut response = match decision.outcome() {
            Outcome::Allowed | Outcome::Unchecked => return None,
            Outcome::Limited => ApiError::with_status(StatusCode::TOO_MANY_REQUESTS, "rate_limited").into_response(),
            _ => ApiError::unavailable().into_response(),
        };
        self.write_headers(response.headers_mut());
        Some(response)
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RateLimit { limit: self.clone(), inner }
    }
}

/// The service of the [`RateLimitLayer`]: decides each request, then calls
/// the route (or answers the refusal) and puts the decision's headers on the
/// answer.
#[derive(Clone)]
pub struct RateLimit<S> {
    limit: RateLimitLayer,
    inner: S,
}

impl<S: fmt::Debug> fmt::Debug for RateLimit<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimit").field("limit", &self.limit).field("inner", &self.inner).finish()
    }
}

impl<S> Service<Request> for RateLimit<S>
where
    S: Service<Request> + Clone + Send + 'static,
    S::Response: IntoResponse,
    S::Future: Send,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let ask = match self.limit.decide_now_or_ask(req.headers(), peer, req.extensions().get::<Principal>()) {
            // A memory limiter decides here: the route's future is polled as
            // it is, without a box, an async block or a copy of the service.
            Deciding::Now(decided) => {
                let state = match decided.refusal() {
                    Some(refusal) => State::Refused { refusal: Some(refusal) },
                    None => State::Route { future: self.inner.call(req), decided: Some(decided) },
                };
                return ResponseFuture { state };
            }
            Deciding::Ask(ask) => ask,
        };
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let asked = async move {
            let decided = ask.answer().await;
            if let Some(refusal) = decided.refusal() {
                return Ok(refusal);
            }
            let mut response = inner.call(req).await?.into_response();
            decided.write_headers(response.headers_mut());
            Ok(response)
        };
        ResponseFuture { state: State::Asked { future: Box::pin(asked) } }
    }
}

pin_project! {
    /// The future of [`RateLimit`]: the route's answer with the decision's
    /// headers, or the refusal. Boxed only when the limiter is asked over
    /// the network.
    pub struct ResponseFuture<F, E> {
        #[pin]
        state: State<F, E>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F, E> {
        /// Decided in place: the route runs.
        Route { #[pin] future: F, decided: Option<Decided> },
        /// Decided in place: refused.
        Refused { refusal: Option<Response> },
        /// The limiter is asked (Redis): the decision, then the route.
        Asked { future: Pin<Box<dyn Future<Output = Result<Response, E>> + Send>> },
    }
}

impl<F, R, E> Future for ResponseFuture<F, E>
where
    F: Future<Output = Result<R, E>>,
    R: IntoResponse,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Route { future, decided } => {
                let mut response = ready!(future.poll(cx))?.into_response();
                if let Some(decided) = decided.take() {
                    decided.write_headers(response.headers_mut());
                }
                Poll::Ready(Ok(response))
            }
            StateProj::Refused { refusal } => Poll::Ready(Ok(refusal
                .take()
                .unwrap_or_else(|| ApiError::internal("rate limit answer polled twice").into_response()))),
            StateProj::Asked { future } => future.as_mut().poll(cx),
        }
    }
}

impl<F, E> fmt::Debug for ResponseFuture<F, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}
