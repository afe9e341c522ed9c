//! The CORS layer: preflights are answered here; other answers get the CORS
//! headers for a listed origin, and none for any other origin.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use axum::body::Body;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS,
    ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_layer::Layer;
use tower_service::Service;

use super::policy::CorsPolicy;
use super::rules::METHODS;
use crate::axum::ApiError;

/// Serves a [`CorsPolicy`]:
///
/// | Request | Answer |
/// | --- | --- |
/// | no `Origin` | the route's, with `Vary: Origin` (so a cache never serves it to a page of another origin) |
/// | a listed `Origin` (byte-exact; or any, for `*`) | the route's, with `Access-Control-Allow-Origin` (that origin, or `*`), `Access-Control-Allow-Credentials: true` if configured, `Access-Control-Expose-Headers` if configured, `Vary: Origin` |
/// | any other `Origin` (unlisted, `null`, other case, sent twice) | the route's, without CORS headers (the route still runs: same-origin requests carry `Origin` too; the browser keeps the answer from the page) |
/// | preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`): listed origin, allowed method, every requested header allowed | 204 with `Access-Control-Allow-Origin`, `-Allow-Methods`, `-Allow-Headers`, `-Max-Age`, `-Allow-Credentials` as configured; the route does not run |
/// | any other preflight | 403 problem+json (`cors_preflight_denied`) without CORS headers; the route does not run |
///
/// Browsers fail a refused preflight the same way whether it is answered 403
/// or 200 without CORS headers (tower-http's choice); the 403 makes the
/// refusal visible in logs and developer tools. The reason goes to the log
/// at debug level. The layer owns the CORS response headers: on answers to
/// unlisted origins it removes any `Access-Control-Allow-Origin`,
/// `-Allow-Credentials` and `-Expose-Headers` a route set.
///
/// ```
/// use apishield::prelude::*;
/// use axum::{Router, routing::get};
///
/// let app: Router = Router::new()
///     .route("/orders", get(|| async { "[]" }))
///     .layer(cors! { origins: ["https://app.example.com"], methods: [GET] }.layer());
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct CorsLayer {
    shared: Arc<Compiled>,
}

/// The policy as ready-made header values, computed once per layer.
struct Compiled {
    policy: CorsPolicy,
    any: bool,
    origins: Vec<HeaderValue>,
    methods: u8,
    allow_methods: Option<HeaderValue>,
    allow_headers: Option<HeaderValue>,
    max_age: Option<HeaderValue>,
    expose: Option<HeaderValue>,
}

const TRUE: HeaderValue = HeaderValue::from_static("true");
const ANY: HeaderValue = HeaderValue::from_static("*");
const VARY_ORIGIN: HeaderValue = HeaderValue::from_static("origin");
const VARY_PREFLIGHT: HeaderValue =
    HeaderValue::from_static("origin, access-control-request-method, access-control-request-headers");

/// A header value from checked text; `None` (logged) if it is not one, which
/// only a policy made around the checks could cause.
fn value(text: &str) -> Option<HeaderValue> {
    let parsed = HeaderValue::from_str(text).ok();
    if parsed.is_none() {
        tracing::error!(value = ?text, "CORS policy value is not a header value; left out");
    }
    parsed
}

fn joined<'a>(names: impl Iterator<Item = &'a str>) -> Option<HeaderValue> {
    let joined = names.collect::<Vec<_>>().join(", ");
    if joined.is_empty() { None } else { value(&joined) }
}

impl CorsLayer {
    /// The layer serving `policy`.
    pub fn new(policy: &CorsPolicy) -> Self {
        let (statics, owned) = policy.origin_parts();
        let origins = statics
            .iter()
            .filter_map(|o| {
                // Static values need no copy (and no reference count per
                // request); `from_static` accepts every visible ASCII string.
                if o.bytes().all(|b| b.is_ascii_graphic()) { Some(HeaderValue::from_static(o)) } else { value(o) }
            })
            .chain(owned.iter().filter_map(|o| value(o)))
            .collect();
        CorsLayer {
            shared: Arc::new(Compiled {
                any: policy.allows_any_origin(),
                origins,
                methods: policy.method_bits(),
                allow_methods: joined(policy.methods()),
                allow_headers: joined(policy.headers()),
                max_age: policy.max_age_secs().map(HeaderValue::from),
                expose: joined(policy.expose()),
                policy: policy.clone(),
            }),
        }
    }

    /// The policy served.
    pub fn policy(&self) -> &CorsPolicy {
        &self.shared.policy
    }
}

impl CorsPolicy {
    /// The layer serving this policy (feature `axum`).
    pub fn layer(&self) -> CorsLayer {
        CorsLayer::new(self)
    }
}

impl From<CorsPolicy> for CorsLayer {
    fn from(policy: CorsPolicy) -> Self {
        CorsLayer::new(&policy)
    }
}

impl fmt::Debug for CorsLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsLayer").field("policy", &self.shared.policy).finish()
    }
}

impl Compiled {
    /// The `Access-Control-Allow-Origin` value for this `Origin`, if allowed.
    fn allow(&self, origin: &HeaderValue) -> Option<HeaderValue> {
        if self.any {
            return Some(ANY);
        }
        self.origins.iter().find(|o| o.as_bytes() == origin.as_bytes()).cloned()
    }

    fn method_allowed(&self, headers: &HeaderMap) -> bool {
        let Some(requested) = single(headers, &ACCESS_CONTROL_REQUEST_METHOD) else { return false };
        METHODS.iter().position(|m| m.as_bytes() == requested.as_bytes()).is_some_and(|i| self.methods & (1 << i) != 0)
    }

    /// Every name in `Access-Control-Request-Headers` (all its lines) is
    /// allowed; a value that is not text is not.
    fn headers_allowed(&self, headers: &HeaderMap) -> bool {
        headers.get_all(ACCESS_CONTROL_REQUEST_HEADERS).iter().all(|line| {
            let Ok(line) = line.to_str() else { return false };
            line.split(',')
                .map(|name| name.trim_matches([' ', '\t']))
                .filter(|name| !name.is_empty())
                .all(|name| self.policy.allows_header(name))
        })
    }

    fn preflight(&self, allowed: Option<HeaderValue>, headers: &HeaderMap) -> Response {
        let refusal = match &allowed {
            None => Some("origin not allowed"),
            Some(_) if !self.method_allowed(headers) => Some("method not allowed"),
            Some(_) if !self.headers_allowed(headers) => Some("header not allowed"),
            Some(_) => None,
        };
        let (Some(origin), None) = (allowed, refusal) else {
            tracing::debug!(origin = ?headers.get(ORIGIN), reason = refusal, "CORS preflight refused");
            let mut response = ApiError::with_status(StatusCode::FORBIDDEN, "cors_preflight_denied").into_response();
            response.headers_mut().insert(VARY, VARY_PREFLIGHT);
            return response;
        };
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NO_CONTENT;
        let out = response.headers_mut();
        out.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        for (name, value) in [
            (ACCESS_CONTROL_ALLOW_METHODS, &self.allow_methods),
            (ACCESS_CONTROL_ALLOW_HEADERS, &self.allow_headers),
            (ACCESS_CONTROL_MAX_AGE, &self.max_age),
        ] {
            if let Some(value) = value {
                out.insert(name, value.clone());
            }
        }
        if self.policy.credentials() {
            out.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
        }
        out.insert(VARY, VARY_PREFLIGHT);
        response
    }

    /// The CORS headers of an answer to a request that is not a preflight.
    fn decorate(&self, headers: &mut HeaderMap, allowed: Option<HeaderValue>) {
        match allowed {
            Some(origin) => {
                headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, origin);
                if self.policy.credentials() {
                    headers.insert(ACCESS_CONTROL_ALLOW_CREDENTIALS, TRUE);
                } else {
                    headers.remove(ACCESS_CONTROL_ALLOW_CREDENTIALS);
                }
                match &self.expose {
                    Some(expose) => headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, expose.clone()),
                    None => headers.remove(ACCESS_CONTROL_EXPOSE_HEADERS),
                };
            }
            None => {
                headers.remove(ACCESS_CONTROL_ALLOW_ORIGIN);
                headers.remove(ACCESS_CONTROL_ALLOW_CREDENTIALS);
                headers.remove(ACCESS_CONTROL_EXPOSE_HEADERS);
            }
        }
        vary_origin(headers);
    }
}

/// The header's value if it occurs exactly once.
fn single<'a>(headers: &'a HeaderMap, name: &axum::http::HeaderName) -> Option<&'a HeaderValue> {
    let mut all = headers.get_all(name).iter();
    let first = all.next()?;
    all.next().is_none().then_some(first)
}

/// Adds `origin` to `Vary`, unless it is there already (or `Vary: *`).
fn vary_origin(headers: &mut HeaderMap) {
    let listed = headers.get_all(VARY).iter().any(|v| {
        v.to_str().is_ok_and(|v| v.split(',').map(str::trim).any(|t| t == "*" || t.eq_ignore_ascii_case("origin")))
    });
    if !listed {
        headers.append(VARY, VARY_ORIGIN);
    }
}

impl<S> Layer<S> for CorsLayer {
    type Service = CorsService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CorsService { shared: Arc::clone(&self.shared), inner }
    }
}

/// The service of the [`CorsLayer`].
#[derive(Clone)]
pub struct CorsService<S> {
    shared: Arc<Compiled>,
    inner: S,
}

impl<S: fmt::Debug> fmt::Debug for CorsService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsService").field("policy", &self.shared.policy).field("inner", &self.inner).finish()
    }
}

impl<S, B> Service<Request<B>> for CorsService<S>
where
    S: Service<Request<B>>,
    S::Response: IntoResponse,
{
    type Response = Response;
    type Error = S::Error;
    type Future = CorsFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        let headers = req.headers();
        let origin = headers.get(ORIGIN);
        let allowed = single(headers, &ORIGIN).and_then(|o| self.shared.allow(o));
        if origin.is_some() && req.method() == Method::OPTIONS && headers.contains_key(ACCESS_CONTROL_REQUEST_METHOD) {
            let answer = self.shared.preflight(allowed, headers);
            return CorsFuture { state: State::Preflight(Some(answer)) };
        }
        let future = Box::pin(self.inner.call(req));
        CorsFuture { state: State::Route { future, allowed: Some(allowed), shared: Arc::clone(&self.shared) } }
    }
}

/// The future of [`CorsService`].
pub struct CorsFuture<F> {
    state: State<F>,
}

enum State<F> {
    Preflight(Option<Response>),
    Route { future: Pin<Box<F>>, allowed: Option<Option<HeaderValue>>, shared: Arc<Compiled> },
}

impl<F> fmt::Debug for CorsFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsFuture").finish_non_exhaustive()
    }
}

impl<F, R, E> Future for CorsFuture<F>
where
    F: Future<Output = Result<R, E>>,
    R: IntoResponse,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().state {
            State::Preflight(answer) => {
                Poll::Ready(Ok(answer.take().unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())))
            }
            State::Route { future, allowed, shared } => {
                let mut response = ready!(future.as_mut().poll(cx))?.into_response();
                shared.decorate(response.headers_mut(), allowed.take().flatten());
                Poll::Ready(Ok(response))
            }
        }
    }
}
