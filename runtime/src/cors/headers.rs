//! A [`CorsPolicy`]'s decisions on `http` header maps (feature `http`):
//! what [`CorsLayer`](crate::axum::CorsLayer) does, for a server that is not axum.

use std::fmt;

use http::header::{
    ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS,
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_HEADERS,
    ACCESS_CONTROL_REQUEST_METHOD, ORIGIN, VARY,
};
use http::{HeaderMap, HeaderName, HeaderValue, Method};

use super::policy::CorsPolicy;
use super::rules::METHODS;

const TRUE: HeaderValue = HeaderValue::from_static("true");
const ANY: HeaderValue = HeaderValue::from_static("*");
const VARY_ORIGIN: HeaderValue = HeaderValue::from_static("origin");

/// The `Vary` value of every answer to a preflight, the refused ones
/// included: the answer depends on these three request headers.
pub const PREFLIGHT_VARY: HeaderValue =
    HeaderValue::from_static("origin, access-control-request-method, access-control-request-headers");

/// Why a preflight was refused (for the logs: the client gets one answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PreflightRefusal {
    /// The `Origin` is not listed (or was sent twice).
    Origin,
    /// The requested method is not allowed.
    Method,
    /// A requested header is not allowed.
    Header,
}

impl PreflightRefusal {
    /// A short reason, for logs.
    pub fn as_str(self) -> &'static str {
        match self {
            PreflightRefusal::Origin => "origin not allowed",
            PreflightRefusal::Method => "method not allowed",
            PreflightRefusal::Header => "header not allowed",
        }
    }
}

impl fmt::Display for PreflightRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A [`CorsPolicy`] as ready-made header values, computed once: the CORS
/// answer to a request, on `http` header maps.
///
/// ```
/// use apishield::cors::CorsHeaders;
/// use apishield::prelude::*;
/// use http::{HeaderMap, HeaderValue, Method};
///
/// let cors = CorsHeaders::new(&cors! { origins: ["https://app.example.com"], methods: [GET, POST] });
/// let mut request = HeaderMap::new();
/// request.insert("origin", HeaderValue::from_static("https://app.example.com"));
/// request.insert("access-control-request-method", HeaderValue::from_static("POST"));
/// assert!(CorsHeaders::is_preflight(&Method::OPTIONS, &request));
/// let answer = cors.preflight(&request).unwrap(); // the headers of a 204
/// assert_eq!(answer["access-control-allow-origin"], "https://app.example.com");
///
/// request.insert("origin", HeaderValue::from_static("https://evil.example"));
/// assert!(cors.preflight(&request).is_err()); // answer 403, without CORS headers
///
/// let mut response = HeaderMap::new();
/// cors.apply(&request, &mut response); // not a preflight: the route's answer
/// assert!(!response.contains_key("access-control-allow-origin"));
/// assert_eq!(response["vary"], "origin");
/// ```
#[derive(Clone)]
pub struct CorsHeaders {
    policy: CorsPolicy,
    any: bool,
    origins: Vec<HeaderValue>,
    methods: u8,
    allow_methods: Option<HeaderValue>,
    allow_headers: Option<HeaderValue>,
    max_age: Option<HeaderValue>,
    expose: Option<HeaderValue>,
}

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

impl CorsHeaders {
    /// The header values of `policy`.
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
        CorsHeaders {
            any: policy.allows_any_origin(),
            origins,
            methods: policy.method_bits(),
            allow_methods: joined(policy.methods()),
            allow_headers: joined(policy.headers()),
            max_age: policy.max_age_secs().map(HeaderValue::from),
            expose: joined(policy.expose()),
            policy: policy.clone(),
        }
    }

    /// The policy.
    pub fn policy(&self) -> &CorsPolicy {
        &self.policy
    }

    /// Whether a request is a CORS preflight: `OPTIONS` with `Origin` and
    /// `Access-Control-Request-Method`. A preflight is answered by
    /// [`preflight`](Self::preflight), and the route does not run.
    pub fn is_preflight(method: &Method, request: &HeaderMap) -> bool {
        method == Method::OPTIONS && request.contains_key(ORIGIN) && request.contains_key(ACCESS_CONTROL_REQUEST_METHOD)
    }

    /// The `Access-Control-Allow-Origin` value for the request's `Origin`
    /// (sent exactly once), if the policy allows it.
    pub fn allowed_origin(&self, request: &HeaderMap) -> Option<HeaderValue> {
        let origin = single(request, &ORIGIN)?;
        if self.any {
            return Some(ANY);
        }
        self.origins.iter().find(|o| o.as_bytes() == origin.as_bytes()).cloned()
    }

    /// The answer to a preflight: the headers of a 204 (`-Allow-Origin`,
    /// `-Allow-Methods`, `-Allow-Headers`, `-Max-Age`, `-Allow-Credentials`
    /// as configured, `Vary`), or why it is refused; a refusal is answered
    /// 403 with no CORS headers, with `Vary:` [`PREFLIGHT_VARY`].
    pub fn preflight(&self, request: &HeaderMap) -> Result<HeaderMap, PreflightRefusal> {
        let origin = self.allowed_origin(request).ok_or(PreflightRefusal::Origin)?;
        if !self.method_allowed(request) {
            return Err(PreflightRefusal::Method);
        }
        if !self.headers_allowed(request) {
            return Err(PreflightRefusal::Header);
        }
        // Room for the security headers and the request id that the safe
        // defaults add to the answer, so that the map does not grow.
        let mut out = HeaderMap::with_capacity(6 + 16);
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
        out.insert(VARY, PREFLIGHT_VARY);
        Ok(out)
    }

    /// The CORS headers of the answer to a request that is not a preflight:
    /// for an allowed origin, `-Allow-Origin`, `-Allow-Credentials` and
    /// `-Expose-Headers` as configured; for any other, none (those the route
    /// set are removed); `Vary: origin` always.
    pub fn apply(&self, request: &HeaderMap, response: &mut HeaderMap) {
        self.decorate(response, self.allowed_origin(request));
    }

    fn method_allowed(&self, request: &HeaderMap) -> bool {
        let Some(requested) = single(request, &ACCESS_CONTROL_REQUEST_METHOD) else { return false };
        METHODS.iter().position(|m| m.as_bytes() == requested.as_bytes()).is_some_and(|i| self.methods & (1 << i) != 0)
    }

    /// Every name in `Access-Control-Request-Headers` (all its lines) is
    /// allowed; a value that is not text is not.
    fn headers_allowed(&self, request: &HeaderMap) -> bool {
        request.get_all(ACCESS_CONTROL_REQUEST_HEADERS).iter().all(|line| {
            let Ok(line) = line.to_str() else { return false };
            line.split(',')
                .map(|name| name.trim_matches([' ', '\t']))
                .filter(|name| !name.is_empty())
                .all(|name| self.policy.allows_header(name))
        })
    }

    /// [`apply`](Self::apply) with the origin decided before the request
    /// was handed on (the layer no longer has it when the answer comes).
    pub(crate) fn decorate(&self, headers: &mut HeaderMap, allowed: Option<HeaderValue>) {
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

impl fmt::Debug for CorsHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CorsHeaders").field("policy", &self.policy).finish()
    }
}

/// The header's value if it occurs exactly once.
fn single<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a HeaderValue> {
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
