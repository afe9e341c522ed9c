//! The rate-limit layer: one decision per request, per principal or per
//! client address, with the decision's headers on every answer.

use std::fmt;
use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::extract::{ConnectInfo, Request};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_layer::Layer;
use tower_service::Service;

use super::error::ApiError;
use crate::auth::Principal;
use crate::rate_limit::{Outcome, RateLimitDecision, RateLimitKey, RateLimiter};

/// Limits the requests of the routes it wraps with a [`RateLimiter`]
/// ([`MemoryRateLimiter`](crate::rate_limit::MemoryRateLimiter), or
/// `RedisRateLimiter` when several processes share the budget).
///
/// * Key: the authenticated [`Principal`]'s [caller](Principal::caller) identity when there is one (put
///   the [`Authentication`](super::Authentication) layer outside this one),
///   otherwise the client address ([`RateLimitKey::client_ip`], IPv6 by
///   /64) from axum's `ConnectInfo` (serve with
///   `into_make_service_with_connect_info::<SocketAddr>()`), or from
///   `X-Forwarded-For` behind [`trust_forwarded_for`](Self::trust_forwarded_for)
///   proxies.
/// * Limiter: the one of the principal's first matching
///   [`role`](Self::role), else the default; requests without a principal
///   use the [`anonymous`](Self::anonymous) limiter if set. So the
///   reference's tiers are one layer:
///   `RateLimit::new(free).role("paid", paid).anonymous(unauthenticated)`.
/// * Answer: the route's, with the decision's `X-RateLimit-*`,
///   `RateLimit-Policy` and `RateLimit` headers; 429 problem+json with
///   `Retry-After` when a window is full (the route does not run); 503 with
///   `Retry-After` when the limiter's store is down and it fails closed.
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use apishield::axum::RateLimit;
/// use apishield::rate_limit::{MemoryRateLimiter, RateLimitPolicy};
/// use axum::{Router, routing::get};
///
/// let app: Router = Router::new()
///     .route("/orders", get(|| async { "[]" }))
///     .layer(
///         RateLimit::new(MemoryRateLimiter::new(RateLimitPolicy::free()))
///             .role("paid", MemoryRateLimiter::new(RateLimitPolicy::paid()))
///             .anonymous(MemoryRateLimiter::new(RateLimitPolicy::unauthenticated())),
///     );
/// # let _ = app;
/// # }
/// ```
pub struct RateLimit<L> {
    inner: Arc<Config<L>>,
}

struct Config<L> {
    default: Arc<L>,
    roles: Vec<(String, Arc<L>)>,
    anonymous: Option<Arc<L>>,
    cost: u32,
    trusted_proxies: usize,
}

impl<L> Clone for Config<L> {
    fn clone(&self) -> Self {
        Config {
            default: Arc::clone(&self.default),
            roles: self.roles.clone(),
            anonymous: self.anonymous.clone(),
            cost: self.cost,
            trusted_proxies: self.trusted_proxies,
        }
    }
}

impl<L> Clone for RateLimit<L> {
    fn clone(&self) -> Self {
        RateLimit { inner: Arc::clone(&self.inner) }
    }
}

impl<L: RateLimiter + 'static> RateLimit<L> {
    /// Every request through `limiter`, at a cost of 1.
    pub fn new(limiter: L) -> Self {
        RateLimit::shared(Arc::new(limiter))
    }

    /// Like [`new`](Self::new), with a limiter other layers share (one budget
    /// across several route groups).
    pub fn shared(limiter: Arc<L>) -> Self {
        RateLimit {
            inner: Arc::new(Config {
                default: limiter,
                roles: Vec::new(),
                anonymous: None,
                cost: 1,
                trusted_proxies: 0,
            }),
        }
    }

    fn config_mut(&mut self) -> &mut Config<L> {
        // Before the layer is in use nothing else holds the configuration;
        // if a configured layer was cloned, the clone keeps its own.
        Arc::make_mut(&mut self.inner)
    }

    /// Principals with `role` use `limiter` (the first matching role wins,
    /// in the order they were added).
    pub fn role(mut self, role: impl Into<String>, limiter: L) -> Self {
        self.config_mut().roles.push((role.into(), Arc::new(limiter)));
        self
    }

    /// Requests without a principal use `limiter`, keyed by client address.
    pub fn anonymous(mut self, limiter: L) -> Self {
        self.config_mut().anonymous = Some(Arc::new(limiter));
        self
    }

    /// Each request costs `cost` units (weighted endpoints: an export that
    /// costs 10). A cost above a policy's smallest window is a configuration
    /// error, answered 500 and logged.
    pub fn cost(mut self, cost: u32) -> Self {
        self.config_mut().cost = cost;
        self
    }

    /// The server sits behind `proxies` reverse proxies that each append to
    /// `X-Forwarded-For`: the client is the entry `proxies` from the right.
    /// Without proxies (the default) the header is ignored, since a client
    /// can write anything into it and choose its own key.
    pub fn trust_forwarded_for(mut self, proxies: usize) -> Self {
        self.config_mut().trusted_proxies = proxies;
        self
    }

    /// Decides one request: which limiter and key, then the limiter's word.
    pub async fn decide(&self, headers: &HeaderMap, peer: Option<IpAddr>, principal: Option<&Principal>) -> Decided {
        let config = &*self.inner;
        let (limiter, key) = match principal {
            Some(p) => {
                let limiter = config.roles.iter().find(|(role, _)| p.has_role(role)).map_or(&config.default, |r| &r.1);
                (limiter, RateLimitKey::caller(p.caller()))
            }
            None => {
                let limiter = config.anonymous.as_ref().unwrap_or(&config.default);
                (limiter, RateLimitKey::client_ip(self.client_ip(headers, peer)))
            }
        };
        match limiter.check(&key, config.cost).await {
            Ok(decision) => Decided(Ok(decision)),
            Err(e) => {
                tracing::error!(error = %e, "rate limit misconfigured");
                Decided(Err(()))
            }
        }
    }

    fn client_ip(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> IpAddr {
        let proxies = self.inner.trusted_proxies;
        if proxies > 0
            && let Some(ip) = forwarded_client(headers, proxies)
        {
            return ip;
        }
        peer.unwrap_or_else(|| {
            static WARNED: AtomicBool = AtomicBool::new(false);
            if !WARNED.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    "rate limit: no client address (serve with into_make_service_with_connect_info); \
                     anonymous requests share one budget"
                );
            }
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        })
    }
}

impl<L> fmt::Debug for RateLimit<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &*self.inner;
        f.debug_struct("RateLimit")
            .field("roles", &c.roles.iter().map(|(r, _)| r.as_str()).collect::<Vec<_>>())
            .field("anonymous", &c.anonymous.is_some())
            .field("cost", &c.cost)
            .field("trusted_proxies", &c.trusted_proxies)
            .finish()
    }
}

/// What [`RateLimit::decide`] decided: the limiter's decision, or a
/// configuration error (a cost no window can hold).
#[derive(Debug, Clone)]
pub struct Decided(Result<RateLimitDecision, ()>);

impl Decided {
    /// The limiter's decision, if it could decide.
    pub fn decision(&self) -> Option<&RateLimitDecision> {
        self.0.as_ref().ok()
    }

    /// The refusal to send instead of the route's answer, if any.
    fn refusal(&self) -> Option<Response> {
        let decision = match &self.0 {
            Ok(decision) => decision,
            Err(()) => return Some(ApiError::internal("rate limit cost exceeds the policy").into_response()),
        };
        let mut response = match decision.outcome() {
            Outcome::Allowed | Outcome::Unchecked => return None,
            Outcome::Limited => ApiError::with_status(StatusCode::TOO_MANY_REQUESTS, "rate_limited").into_response(),
            _ => ApiError::unavailable().into_response(),
        };
        decision.write_headers(response.headers_mut());
        Some(response)
    }
}

/// The client address `proxies` entries from the right of
/// `X-Forwarded-For` (all its lines, in order).
fn forwarded_client(headers: &HeaderMap, proxies: usize) -> Option<IpAddr> {
    let mut entries = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        entries.extend(value.to_str().ok()?.split(',').map(str::trim));
    }
    let index = entries.len().checked_sub(proxies)?;
    entries.get(index)?.parse().ok()
}

impl<S, L> Layer<S> for RateLimit<L> {
    type Service = RateLimitService<S, L>;

    fn layer(&self, inner: S) -> Self::Service {
        RateLimitService { limit: self.clone(), inner }
    }
}

/// The service of the [`RateLimit`] layer.
pub struct RateLimitService<S, L> {
    limit: RateLimit<L>,
    inner: S,
}

impl<S: Clone, L> Clone for RateLimitService<S, L> {
    fn clone(&self) -> Self {
        RateLimitService { limit: self.limit.clone(), inner: self.inner.clone() }
    }
}

impl<S: fmt::Debug, L> fmt::Debug for RateLimitService<S, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RateLimitService").field("limit", &self.limit).field("inner", &self.inner).finish()
    }
}

impl<S, L> Service<Request> for RateLimitService<S, L>
where
    S: Service<Request> + Clone + Send + 'static,
    S::Response: IntoResponse,
    S::Future: Send,
    L: RateLimiter + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        let limit = self.limit.clone();
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
            let decided = limit.decide(req.headers(), peer, req.extensions().get::<Principal>()).await;
            if let Some(refusal) = decided.refusal() {
                return Ok(refusal);
            }
            let mut response = inner.call(req).await?.into_response();
            if let Some(decision) = decided.decision() {
                decision.write_headers(response.headers_mut());
            }
            Ok(response)
        })
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    use super::forwarded_client;

    #[test]
    fn the_client_is_counted_from_the_right() {
        let mut h = HeaderMap::new();
        h.append("x-forwarded-for", HeaderValue::from_static("6.6.6.6, 203.0.113.7"));
        h.append("x-forwarded-for", HeaderValue::from_static("10.0.0.2"));
        assert_eq!(forwarded_client(&h, 1), Some("10.0.0.2".parse().unwrap()));
        assert_eq!(forwarded_client(&h, 2), Some("203.0.113.7".parse().unwrap()));
        // A client-written entry is only reached by trusting too many proxies.
        assert_eq!(forwarded_client(&h, 3), Some("6.6.6.6".parse().unwrap()));
        assert_eq!(forwarded_client(&h, 4), None);
        assert_eq!(forwarded_client(&HeaderMap::new(), 1), None);
        h.append("x-forwarded-for", HeaderValue::from_static("not-an-ip"));
        assert_eq!(forwarded_client(&h, 1), None);
    }
}
