//! `SecurityHeaders`: the reference checklist's response headers on every
//! answer, and the server-identifying ones removed. The values and
//! [`SecurityHeaders::apply`] need only the `http` feature; the tower layer
//! is [`SecurityHeadersLayer`](crate::axum::SecurityHeadersLayer) (feature
//! `axum`).

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, PRAGMA, REFERRER_POLICY, SERVER, STRICT_TRANSPORT_SECURITY,
    X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS, X_XSS_PROTECTION,
};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde::Deserialize;

const PERMISSIONS_POLICY: HeaderName = HeaderName::from_static("permissions-policy");
const X_POWERED_BY: HeaderName = HeaderName::from_static("x-powered-by");

/// Security headers for every answer, and the headers that identify the
/// server software removed: [`apply`](Self::apply) on any `http::HeaderMap`
/// with the `http` feature, and with the `axum` feature a tower layer,
/// [`SecurityHeadersLayer`](crate::axum::SecurityHeadersLayer)
/// (`.layer()`).
///
/// [`SecurityHeaders::api`] is the security reference's checklist:
///
/// | Header | Value |
/// | --- | --- |
/// | `X-Content-Type-Options` | `nosniff` |
/// | `X-Frame-Options` | `DENY` |
/// | `X-XSS-Protection` | `0` (the legacy filter is off: it caused leaks; CSP replaces it) |
/// | `Strict-Transport-Security` | `max-age=31536000; includeSubDomains; preload` |
/// | `Content-Security-Policy` | `default-src 'none'; frame-ancestors 'none'` |
/// | `Referrer-Policy` | `strict-origin-when-cross-origin` |
/// | `Permissions-Policy` | `camera=(), microphone=(), geolocation=()` |
/// | `Cache-Control` | `no-store, no-cache, must-revalidate, private` |
/// | `Pragma` | `no-cache` |
/// | `Server`, `X-Powered-By` | removed |
///
/// Every value is the reference's except the CSP: the reference's
/// (`default-src 'self'; ...`) is for HTML pages, and an API that serves
/// JSON loads nothing at all, so nothing is allowed and no one may frame it.
/// HSTS carries `preload` as the reference says: with it, anyone can submit
/// the domain (and all its subdomains) to the browsers' preload lists, which
/// is hard to undo; replace it with [`header`](Self::header) if every
/// subdomain is not yet on https.
///
/// A route's own value wins: a handler that sets `Cache-Control: public,
/// max-age=60` for a public resource keeps it (and then gets no `Pragma`),
/// and one that serves an HTML page can set its own CSP. The defaults fill
/// in what the route left out. [`enforce`](Self::enforce) makes the layer's
/// values win instead. `Server` and `X-Powered-By` are always removed.
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use apishield::headers::SecurityHeaders;
/// use axum::http::{HeaderName, HeaderValue};
/// use axum::{Router, routing::get};
///
/// let headers = SecurityHeaders::api()
///     .header(HeaderName::from_static("strict-transport-security"), HeaderValue::from_static("max-age=31536000"))
///     .remove(HeaderName::from_static("x-aspnet-version"));
/// let app: Router = Router::new().route("/", get(|| async { "{}" })).layer(headers.layer());
/// # let _ = app;
/// # }
/// ```
///
/// Without axum (feature `http`), on any response's headers:
///
/// ```
/// use apishield::headers::SecurityHeaders;
/// use http::{HeaderMap, HeaderValue, header};
///
/// let mut headers = HeaderMap::new();
/// headers.insert(header::SERVER, HeaderValue::from_static("nginx/1.25"));
/// SecurityHeaders::api().apply(&mut headers);
/// assert_eq!(headers["x-content-type-options"], "nosniff");
/// assert!(!headers.contains_key(header::SERVER));
/// ```
///
/// From configuration (serde): [`SecurityHeaders::api`] with the overrides
/// of a [`SecurityHeadersSpec`], applied with the methods above.
#[derive(Clone, Deserialize)]
#[serde(try_from = "SecurityHeadersSpec")]
pub struct SecurityHeaders {
    config: Arc<Config>,
}

#[derive(Clone)]
struct Config {
    set: Vec<(HeaderName, HeaderValue)>,
    remove: Vec<HeaderName>,
    enforce: bool,
    /// The set as ready-made maps (with HSTS, and without for plain-HTTP
    /// answers), built on first use after any change.
    prebuilt: OnceLock<[HeaderMap; 2]>,
}

impl Config {
    fn prebuilt(&self, https: bool) -> &HeaderMap {
        let [with_hsts, without_hsts] = self.prebuilt.get_or_init(|| {
            let map = |hsts: bool| {
                let mut map = HeaderMap::with_capacity(self.set.len() + 8 + ROOM_AFTER);
                for (name, value) in &self.set {
                    if hsts || *name != STRICT_TRANSPORT_SECURITY {
                        map.insert(name, value.clone());
                    }
                }
                map
            };
            [map(true), map(false)]
        });
        if https { with_hsts } else { without_hsts }
    }
}

/// Routes whose answer has at most this many headers get the ready-made map
/// with their own headers merged in, rather than each default looked up and
/// inserted into theirs. The merge re-inserts the route's headers into the
/// copy; inserting the defaults grows the route's map. Measured: with one
/// route header the copy saves 1 800 instructions per request (callgrind,
/// the safe defaults); with the CORS layer's five it is 15 % faster
/// (criterion, `cors` bench); with the rate limit's five and a
/// `Content-Type` it costs 1 100 instructions more (the whole stack).
const MERGE_INTO_PREBUILT: usize = 5;

impl SecurityHeaders {
    /// The checklist's headers, for an API (see the table above).
    pub fn api() -> Self {
        let set = [
            (X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (X_FRAME_OPTIONS, "DENY"),
            (X_XSS_PROTECTION, "0"),
            (STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains; preload"),
            (CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"),
            (REFERRER_POLICY, "strict-origin-when-cross-origin"),
            (PERMISSIONS_POLICY, "camera=(), microphone=(), geolocation=()"),
            (CACHE_CONTROL, "no-store, no-cache, must-revalidate, private"),
            (PRAGMA, "no-cache"),
        ];
        SecurityHeaders {
            config: Arc::new(Config {
                set: set.into_iter().map(|(name, value)| (name, HeaderValue::from_static(value))).collect(),
                remove: vec![SERVER, X_POWERED_BY],
                enforce: false,
                prebuilt: OnceLock::new(),
            }),
        }
    }

    fn config_mut(&mut self) -> &mut Config {
        let config = Arc::make_mut(&mut self.config);
        config.prebuilt = OnceLock::new();
        config
    }

    /// Sets `name` to `value` (replacing the default, if it has one).
    #[must_use]
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        let config = self.config_mut();
        config.remove.retain(|n| *n != name);
        match config.set.iter_mut().find(|(n, _)| *n == name) {
            Some(entry) => entry.1 = value,
            None => config.set.push((name, value)),
        }
        self
    }

    /// Does not set `name` (one of the defaults, e.g. HSTS when a proxy in
    /// front sets it).
    #[must_use]
    pub fn without(mut self, name: HeaderName) -> Self {
        self.config_mut().set.retain(|(n, _)| *n != name);
        self
    }

    /// Also removes `name` from every answer (e.g. `X-AspNet-Version` of a
    /// proxied backend).
    #[must_use]
    pub fn remove(mut self, name: HeaderName) -> Self {
        let config = self.config_mut();
        config.set.retain(|(n, _)| *n != name);
        if !config.remove.contains(&name) {
            config.remove.push(name);
        }
        self
    }

    /// The layer's values replace those a route set.
    #[must_use]
    pub fn enforce(mut self) -> Self {
        self.config_mut().enforce = true;
        self
    }

    /// The headers set, in order.
    pub fn headers(&self) -> impl Iterator<Item = (&HeaderName, &HeaderValue)> + '_ {
        self.config.set.iter().map(|(n, v)| (n, v))
    }

    /// The headers removed.
    pub fn removed(&self) -> impl Iterator<Item = &HeaderName> + '_ {
        self.config.remove.iter()
    }

    /// Puts the headers on a response's header map.
    pub fn apply(&self, headers: &mut HeaderMap) {
        self.apply_over(headers, true);
    }

    /// [`apply`](Self::apply), for an answer that goes over HTTPS or not:
    /// `Strict-Transport-Security` travels over HTTPS only (RFC 6797
    /// section 7.2), so on a plain-HTTP answer it is neither set nor kept.
    pub(crate) fn apply_over(&self, headers: &mut HeaderMap, https: bool) {
        let config = &*self.config;
        if headers.len() <= MERGE_INTO_PREBUILT {
            *headers = merged(config, std::mem::take(headers), https);
        } else {
            insert_each(config, headers, https);
        }
    }
}

/// Each default looked up and inserted into the route's own map.
fn insert_each(config: &Config, headers: &mut HeaderMap, https: bool) {
    // `Pragma: no-cache` next to a route's own `Cache-Control` would
    // contradict it for HTTP/1.0 caches.
    let route_caches = !config.enforce && headers.contains_key(CACHE_CONTROL);
    // One allocation instead of the map growing step by step, with room for
    // what the layers outside add after (CORS headers, the request id), and
    // a third more: a map filled to its limit probes longer (measured: 250
    // to 400 instructions per request more than with this room).
    let (len, need) = (headers.len(), headers.len() + config.set.len() + ROOM_AFTER);
    if headers.capacity() < need {
        headers.reserve(need + need / 3 + 1 - len);
    }
    for (name, value) in &config.set {
        if !https && name == STRICT_TRANSPORT_SECURITY {
            continue;
        }
        if config.enforce {
            headers.insert(name, value.clone());
        } else if !(route_caches && name == PRAGMA) {
            // (Marking the route's own names in one pass and inserting the
            // rest measured no cheaper than asking the map.)
            headers.entry(name).or_insert_with(|| value.clone());
        }
    }
    for name in &config.remove {
        headers.remove(name);
    }
    if !https {
        headers.remove(STRICT_TRANSPORT_SECURITY);
    }
}

/// Headers the safe defaults add after the security headers: the CORS
/// layer's four at most, and the request id.
const ROOM_AFTER: usize = 5;

/// The ready-made map with the route's own `headers` merged in: the same
/// answer as inserting each default into the route's map.
fn merged(config: &Config, headers: HeaderMap, https: bool) -> HeaderMap {
    let mut merged = config.prebuilt(https).clone();
    let mut route_caches = false;
    let mut route_pragma = false;
    let mut current: Option<HeaderName> = None;
    for (name, value) in headers {
        // `None`: another value of the header named last.
        let first = name.is_some();
        if let Some(name) = name {
            current = Some(name);
        }
        let Some(name) = &current else { continue };
        if config.remove.contains(name) || (!https && name == STRICT_TRANSPORT_SECURITY) {
            continue;
        }
        // A scan of a few names costs less than asking the map (measured:
        // `HeaderMap::entry` made the merge dearer).
        let ours = config.set.iter().any(|(n, _)| n == name);
        if ours && config.enforce {
            continue;
        }
        route_caches |= name == CACHE_CONTROL;
        route_pragma |= name == PRAGMA;
        if first && ours {
            // The route's value wins over the default.
            merged.insert(name, value);
        } else {
            merged.append(name, value);
        }
    }
    // `Pragma: no-cache` next to a route's own `Cache-Control` would
    // contradict it for HTTP/1.0 caches.
    if route_caches && !route_pragma && !config.enforce {
        merged.remove(PRAGMA);
    }
    merged
}

/// [`SecurityHeaders::api`] and its overrides as configuration gives them,
/// before they are checked: what [`SecurityHeaders`] deserializes from
/// (unknown fields refused). Turned into headers (`TryFrom`) by the
/// builder methods: [`without`](SecurityHeaders::without) for each of
/// `without`, [`remove`](SecurityHeaders::remove) for each of `remove`,
/// [`header`](SecurityHeaders::header) for each entry of `set`, then
/// [`enforce`](SecurityHeaders::enforce). Names must be header names and
/// values header values (visible ASCII, spaces and tabs); a name in two of
/// `set`, `without` and `remove` is refused rather than resolved by order.
///
/// ```toml
/// without = ["Strict-Transport-Security"]   # the proxy in front sets it
/// remove = ["X-AspNet-Version"]
/// enforce = false
///
/// [set]
/// X-Frame-Options = "SAMEORIGIN"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SecurityHeadersSpec {
    /// Headers set, name to value (a default's value replaced).
    #[serde(default)]
    pub set: BTreeMap<String, String>,
    /// Defaults not set.
    #[serde(default, deserialize_with = "crate::config::string_list")]
    pub without: Vec<String>,
    /// Headers also removed from every answer.
    #[serde(default, deserialize_with = "crate::config::string_list")]
    pub remove: Vec<String>,
    /// The layer's values replace those a route set.
    #[serde(default)]
    pub enforce: bool,
}

/// Why a [`SecurityHeadersSpec`] was refused. Its message names the field
/// (`set`, `without` or `remove`) and never repeats a refused name or value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecurityHeadersError {
    /// Not a header name.
    InvalidName {
        /// `set`, `without` or `remove`.
        field: &'static str,
    },
    /// Not a header value (control characters, non-ASCII).
    InvalidValue {
        /// The header whose value it is.
        name: HeaderName,
    },
    /// One header in two of `set`, `without` and `remove`.
    Conflict {
        /// The header.
        name: HeaderName,
    },
}

impl fmt::Display for SecurityHeadersError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecurityHeadersError::InvalidName { field } => {
                write!(f, "{field}: an entry is not a header name (letters, digits and !#$%&'*+-.^_`|~ only)")
            }
            SecurityHeadersError::InvalidValue { name } => {
                write!(f, "set: the value of {name} is not a header value (visible ASCII, spaces and tabs only)")
            }
            SecurityHeadersError::Conflict { name } => {
                write!(f, "{name} is in more than one of set, without and remove: keep it in one")
            }
        }
    }
}

impl std::error::Error for SecurityHeadersError {}

impl TryFrom<SecurityHeadersSpec> for SecurityHeaders {
    type Error = SecurityHeadersError;

    fn try_from(spec: SecurityHeadersSpec) -> Result<Self, SecurityHeadersError> {
        let names = |field: &'static str, list: &[String]| {
            list.iter()
                .map(|name| {
                    HeaderName::from_bytes(name.as_bytes()).map_err(|_| SecurityHeadersError::InvalidName { field })
                })
                .collect::<Result<Vec<HeaderName>, _>>()
        };
        let without = names("without", &spec.without)?;
        let remove = names("remove", &spec.remove)?;
        let mut set = Vec::with_capacity(spec.set.len());
        for (name, value) in &spec.set {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| SecurityHeadersError::InvalidName { field: "set" })?;
            let value =
                HeaderValue::from_str(value).map_err(|_| SecurityHeadersError::InvalidValue { name: name.clone() })?;
            set.push((name, value));
        }
        let in_set = |name: &HeaderName| set.iter().any(|(n, _)| n == name);
        if let Some(name) = without.iter().find(|n| in_set(n) || remove.contains(n)) {
            return Err(SecurityHeadersError::Conflict { name: name.clone() });
        }
        if let Some(name) = remove.iter().find(|n| in_set(n)) {
            return Err(SecurityHeadersError::Conflict { name: name.clone() });
        }
        let mut headers = SecurityHeaders::api();
        for name in without {
            headers = headers.without(name);
        }
        for name in remove {
            headers = headers.remove(name);
        }
        for (name, value) in set {
            headers = headers.header(name, value);
        }
        if spec.enforce {
            headers = headers.enforce();
        }
        Ok(headers)
    }
}

impl fmt::Debug for SecurityHeaders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecurityHeaders")
            .field("set", &self.config.set)
            .field("remove", &self.config.remove)
            .field("enforce", &self.config.enforce)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every header's values, in order, by name.
    fn contents(headers: &HeaderMap) -> Vec<(String, Vec<Vec<u8>>)> {
        let mut names: Vec<_> = headers.keys().map(|n| n.as_str().to_owned()).collect();
        names.sort();
        names
            .into_iter()
            .map(|n| {
                let values = headers.get_all(n.as_str()).iter().map(|v| v.as_bytes().to_vec()).collect();
                (n, values)
            })
            .collect()
    }

    fn route(headers: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.append(HeaderName::from_static(name), HeaderValue::from_static(value));
        }
        map
    }

    /// The fast path (the ready-made map, the route's headers merged in)
    /// answers exactly as inserting each default into the route's map.
    #[test]
    fn merging_into_the_ready_made_map_is_inserting_each_default() {
        let routes = [
            route(&[]),
            route(&[("content-type", "application/json")]),
            route(&[("cache-control", "public, max-age=60"), ("content-type", "text/html")]),
            route(&[("cache-control", "public"), ("pragma", "x-own")]),
            route(&[("server", "nginx"), ("x-powered-by", "php"), ("content-type", "a/b")]),
            route(&[("strict-transport-security", "max-age=1"), ("x-frame-options", "SAMEORIGIN")]),
            route(&[("set-cookie", "a=1"), ("set-cookie", "b=2"), ("x-frame-options", "SAMEORIGIN")]),
            route(&[("content-security-policy", "default-src 'self'"), ("content-security-policy", "img-src *")]),
        ];
        let configs = [
            SecurityHeaders::api(),
            SecurityHeaders::api().enforce(),
            SecurityHeaders::api().without(STRICT_TRANSPORT_SECURITY).remove(HeaderName::from_static("x-aspnet")),
            SecurityHeaders::api().header(HeaderName::from_static("x-extra"), HeaderValue::from_static("1")),
        ];
        for config in &configs {
            for route in &routes {
                for https in [true, false] {
                    let mut by_entry = route.clone();
                    insert_each(&config.config, &mut by_entry, https);
                    let merged = merged(&config.config, route.clone(), https);
                    assert_eq!(contents(&merged), contents(&by_entry), "{config:?}, https {https}, {route:?}");
                }
            }
        }
    }

    proptest::proptest! {
        /// Any route map (names of ours, removed ones and others, each with
        /// one to three values) merges as inserting each default does.
        #[test]
        fn merging_equals_inserting_for_any_route_map(
            headers in proptest::collection::vec((0usize..10, 1usize..4), 0..8),
            config in 0usize..5,
            https: bool,
        ) {
            const NAMES: [&str; 10] = [
                "content-type", "cache-control", "pragma", "x-frame-options",
                "strict-transport-security", "server", "x-extra", "set-cookie",
                "x-many-0", "x-many-33",
            ];
            // A long set of defaults.
            let many = (0..34).fold(SecurityHeaders::api(), |headers, i| {
                headers.header(HeaderName::try_from(format!("x-many-{i}")).unwrap(), HeaderValue::from(i))
            });
            let configs = [
                SecurityHeaders::api(),
                SecurityHeaders::api().enforce(),
                SecurityHeaders::api().without(STRICT_TRANSPORT_SECURITY).remove(HeaderName::from_static("x-extra")),
                SecurityHeaders::api().enforce().header(HeaderName::from_static("x-extra"), HeaderValue::from_static("1")),
                many,
            ];
            let mut route = HeaderMap::new();
            for (i, (name, values)) in headers.into_iter().enumerate() {
                for v in 0..values {
                    let value = HeaderValue::from_str(&format!("v{i}-{v}")).unwrap();
                    route.append(HeaderName::from_static(NAMES[name]), value);
                }
            }
            let config = &configs[config].config;
            let mut by_entry = route.clone();
            insert_each(config, &mut by_entry, https);
            proptest::prop_assert_eq!(contents(&merged(config, route, https)), contents(&by_entry));
        }
    }

    #[test]
    fn a_change_rebuilds_the_ready_made_maps() {
        let headers = SecurityHeaders::api();
        let mut map = HeaderMap::new();
        headers.apply(&mut map);
        assert_eq!(map["x-frame-options"], "DENY");
        let changed = headers.header(X_FRAME_OPTIONS, HeaderValue::from_static("SAMEORIGIN"));
        let mut map = HeaderMap::new();
        changed.apply(&mut map);
        assert_eq!(map["x-frame-options"], "SAMEORIGIN");
    }
}
