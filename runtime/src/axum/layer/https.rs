//! HTTPS everywhere: plain-HTTP requests refused (or redirected), and HSTS
//! only on answers that travel over HTTPS.

use std::fmt;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use axum::extract::{ConnectInfo, Request};
use axum::http::header::{FORWARDED, LOCATION, STRICT_TRANSPORT_SECURITY};
use axum::http::{HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use pin_project_lite::pin_project;
use tower_layer::Layer;
use tower_service::Service;

use crate::axum::ApiError;
use crate::client_addr::TrustedProxies;

/// Marks a response to a plain-HTTP request: HSTS is never set on it
/// (RFC 6797 section 7.2: a server must not send it over plain HTTP), by
/// this layer or by the security-headers layer around it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PlainHttpAnswer;

/// Refuses plain-HTTP requests, or redirects them to HTTPS.
///
/// Whether a request came over HTTPS:
///
/// | Setup | How it is told |
/// | --- | --- |
/// | this server terminates TLS ([`tls_terminated_here`](Self::tls_terminated_here)) | every request is HTTPS |
/// | behind proxies that terminate TLS ([`trusted_proxies`](Self::trusted_proxies)) | the protocol the nearest proxy reports (`X-Forwarded-Proto`, or `proto=` of `Forwarded` with [`TrustedProxies::forwarded`]), read only when the peer is in a trusted network; the rightmost value, so a client's own header never counts (the proxy at the edge must set it to the client's scheme, as `proxy_set_header X-Forwarded-Proto $scheme` does) |
/// | neither | plain HTTP (even when the request line is in absolute form, `GET https://host/path HTTP/1.1`: the client wrote that scheme) |
///
/// What a plain-HTTP request gets: 403 problem+json `https_required`
/// ([`new`](Self::new)); or, with [`redirect_to`](Self::redirect_to), a 308
/// to the same path on the configured host for `GET` and `HEAD` (other
/// methods are still refused: their bodies and credentials already crossed
/// the network in the clear, and a redirect would ask the client to send
/// them again). [`allow_plain_loopback`](Self::allow_plain_loopback) lets
/// local development over `http://localhost` through.
///
/// HSTS (`Strict-Transport-Security`) is removed from every answer to a
/// plain-HTTP request, whoever set it: browsers must learn it over HTTPS
/// only. [`SafeDefaults`](crate::axum::SafeDefaults) includes this layer.
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use apishield::axum::HttpsLayer;
/// use apishield::client_addr::TrustedProxies;
///
/// // Behind a load balancer in 10.0.0.0/8 that terminates TLS:
/// let https = HttpsLayer::new().trusted_proxies(TrustedProxies::parse(["10.0.0.0/8"]).unwrap());
/// // Serving TLS itself (rustls, TLS 1.2 or later), redirecting stray plain requests:
/// let direct = HttpsLayer::new().tls_terminated_here();
/// # let _ = (https, direct);
/// # }
/// ```
#[derive(Clone)]
pub struct HttpsLayer {
    config: Arc<Config>,
}

#[derive(Clone)]
struct Config {
    redirect_host: Option<HeaderValue>,
    tls_here: bool,
    proxies: TrustedProxies,
    allow_loopback: bool,
}

impl Default for HttpsLayer {
    fn default() -> Self {
        HttpsLayer::new()
    }
}

impl fmt::Debug for HttpsLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpsLayer")
            .field("redirect_host", &self.config.redirect_host)
            .field("tls_here", &self.config.tls_here)
            .field("proxies", &self.config.proxies)
            .field("allow_loopback", &self.config.allow_loopback)
            .finish()
    }
}

impl HttpsLayer {
    /// Refuses every plain-HTTP request (403 `https_required`). Nothing is
    /// HTTPS until configured: [`tls_terminated_here`](Self::tls_terminated_here)
    /// or [`trusted_proxies`](Self::trusted_proxies).
    pub fn new() -> Self {
        HttpsLayer {
            config: Arc::new(Config {
                redirect_host: None,
                tls_here: false,
                proxies: TrustedProxies::none(),
                allow_loopback: false,
            }),
        }
    }

    fn config_mut(&mut self) -> &mut Config {
        Arc::make_mut(&mut self.config)
    }

    /// Redirects plain `GET` and `HEAD` requests to `https://{host}` (308,
    /// path and query kept). The host is configured, never the request's
    /// `Host` header, so a forged header cannot send anyone elsewhere.
    /// Other methods are still refused.
    ///
    /// # Panics
    ///
    /// If `host` is not a valid header value (configuration, checked at start-up).
    #[must_use]
    pub fn redirect_to(mut self, host: &str) -> Self {
        let value = HeaderValue::from_str(host).ok().filter(|_| !host.contains(['/', '?', '#', ' ']));
        assert!(value.is_some(), "HttpsLayer::redirect_to: `{host}` is not a host name");
        self.config_mut().redirect_host = value;
        self
    }

    /// This server terminates TLS itself: every request it gets is HTTPS.
    #[must_use]
    pub fn tls_terminated_here(mut self) -> Self {
        self.config_mut().tls_here = true;
        self
    }

    /// Reads the protocol the nearest of these proxies reports
    /// (`X-Forwarded-Proto`, or `Forwarded` after [`TrustedProxies::forwarded`]),
    /// only when the peer is one of them. Needs axum's `ConnectInfo` (serve
    /// with `into_make_service_with_connect_info::<SocketAddr>()`).
    #[must_use]
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.config_mut().proxies = proxies;
        self
    }

    /// Lets plain-HTTP requests from this machine's loopback address
    /// through, for development over `http://localhost`. Not behind a
    /// proxy on the same machine: the proxy's requests come from loopback too.
    #[must_use]
    pub fn allow_plain_loopback(mut self) -> Self {
        self.config_mut().allow_loopback = true;
        self
    }

    /// What this layer enforces, for the audit.
    pub(crate) fn enforcement(&self) -> crate::routing::Enforcement {
        let plain_http = if self.config.redirect_host.is_some() { "redirect" } else { "refuse" };
        crate::routing::Enforcement::Https { plain_http }
    }

    fn peer(request: &Request) -> Option<IpAddr> {
        request.extensions().get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(addr)| addr.ip())
    }

    /// Whether `request` came over HTTPS (see the type's table).
    pub(crate) fn is_https(&self, request: &Request) -> bool {
        let config = &*self.config;
        // Not the URI's scheme: a request line in absolute form (`GET https://host/ HTTP/1.1`)
        // or an h2 `:scheme` is the client's word, sent over a plain connection as easily.
        if config.tls_here {
            return true;
        }
        match Self::peer(request) {
            Some(peer) if config.proxies.trusts(peer) => {
                forwarded_proto(request, config.proxies.get_header()).is_some_and(|p| p.eq_ignore_ascii_case("https"))
            }
            _ => false,
        }
    }

    /// What a plain-HTTP request gets, or `None` to let it through.
    pub(crate) fn refuse(&self, request: &Request) -> Option<Response> {
        let config = &*self.config;
        if config.allow_loopback && Self::peer(request).is_some_and(|ip| ip.is_loopback()) {
            return None;
        }
        let redirectable = matches!(*request.method(), Method::GET | Method::HEAD);
        let mut response = match &config.redirect_host {
            Some(host) if redirectable => redirect(host, request),
            _ => ApiError::with_status(StatusCode::FORBIDDEN, "https_required").into_response(),
        };
        crate::telemetry::https_refusal(response.status() == StatusCode::PERMANENT_REDIRECT, request.method());
        response.extensions_mut().insert(PlainHttpAnswer);
        Some(response)
    }
}

/// The protocol the nearest proxy reports: the rightmost value of the
/// header, so a value the client sent ahead of it never counts.
/// A route's answer that goes over plain HTTP: no HSTS (RFC 6797 section
/// 7.2), and marked for the security headers outside.
pub(crate) fn mark_plain(response: &mut Response) {
    response.headers_mut().remove(STRICT_TRANSPORT_SECURITY);
    response.extensions_mut().insert(PlainHttpAnswer);
}

fn forwarded_proto(request: &Request, header: crate::client_addr::ForwardedHeader) -> Option<&str> {
    use crate::client_addr::ForwardedHeader;
    let headers = request.headers();
    match header {
        ForwardedHeader::XForwardedFor => {
            let last = headers.get_all(X_FORWARDED_PROTO).iter().next_back()?;
            let value = last.to_str().ok()?.rsplit(',').next()?.trim();
            Some(value)
        }
        ForwardedHeader::Forwarded => {
            let last = headers.get_all(FORWARDED).iter().next_back()?;
            let element = last.to_str().ok()?.rsplit(',').next()?;
            element.split(';').find_map(|pair| {
                let (name, value) = pair.split_once('=')?;
                name.trim().eq_ignore_ascii_case("proto").then(|| value.trim().trim_matches('"'))
            })
        }
    }
}

fn redirect(host: &HeaderValue, request: &Request) -> Response {
    let path = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let location = host.to_str().ok().and_then(|host| HeaderValue::from_str(&format!("https://{host}{path}")).ok());
    match location {
        Some(location) => {
            let mut response = StatusCode::PERMANENT_REDIRECT.into_response();
            response.headers_mut().insert(LOCATION, location);
            response
        }
        None => ApiError::with_status(StatusCode::FORBIDDEN, "https_required").into_response(),
    }
}

impl<S> Layer<S> for HttpsLayer {
    type Service = Https<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Https { layer: self.clone(), inner }
    }
}

/// The service of [`HttpsLayer`].
#[derive(Clone, Debug)]
pub struct Https<S> {
    layer: HttpsLayer,
    inner: S,
}

const X_FORWARDED_PROTO: axum::http::HeaderName = axum::http::HeaderName::from_static("x-forwarded-proto");

pin_project! {
    /// The future of [`Https`]: the refusal, or the route's answer (without
    /// HSTS when it goes over plain HTTP).
    pub struct ResponseFuture<F> {
        #[pin]
        state: State<F>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F> {
        Refused { answer: Option<Response> },
        Route { #[pin] future: F, https: bool },
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F, R, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<R, E>>,
    R: IntoResponse,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Refused { answer } => {
                Poll::Ready(Ok(answer.take().unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())))
            }
            StateProj::Route { future, https } => {
                let mut response = ready!(future.poll(cx))?.into_response();
                if !*https {
                    mark_plain(&mut response);
                }
                Poll::Ready(Ok(response))
            }
        }
    }
}

impl<S> Service<Request> for Https<S>
where
    S: Service<Request>,
    S::Response: IntoResponse,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let https = self.layer.is_https(&request);
        if !https && let Some(refusal) = self.layer.refuse(&request) {
            return ResponseFuture { state: State::Refused { answer: Some(refusal) } };
        }
        ResponseFuture { state: State::Route { future: self.inner.call(request), https } }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client_addr::ForwardedHeader;

    fn request(headers: &[(&str, &str)]) -> Request {
        let mut builder = axum::http::Request::get("/orders?page=2");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(axum::body::Body::empty()).unwrap_or_default()
    }

    #[test]
    fn the_nearest_proxy_has_the_last_word() {
        let xff = ForwardedHeader::XForwardedFor;
        assert_eq!(forwarded_proto(&request(&[("x-forwarded-proto", "https")]), xff), Some("https"));
        // A client's own value ahead of the proxy's never counts.
        let forged = request(&[("x-forwarded-proto", "https, http")]);
        assert_eq!(forwarded_proto(&forged, xff), Some("http"));
        let two_lines = request(&[("x-forwarded-proto", "https"), ("x-forwarded-proto", "http")]);
        assert_eq!(forwarded_proto(&two_lines, xff), Some("http"));
        let fwd = ForwardedHeader::Forwarded;
        let forwarded = request(&[("forwarded", r#"for=1.2.3.4;proto=http, for="[::1]";proto="https""#)]);
        assert_eq!(forwarded_proto(&forwarded, fwd), Some("https"));
        assert_eq!(forwarded_proto(&request(&[]), xff), None);
    }

    #[test]
    fn redirects_keep_the_path_on_the_configured_host() {
        let host = HeaderValue::from_static("api.example.com");
        let response = redirect(&host, &request(&[("host", "evil.example")]));
        assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
        assert_eq!(response.headers()[LOCATION], "https://api.example.com/orders?page=2");
    }

    #[test]
    #[should_panic(expected = "is not a host name")]
    fn a_redirect_host_is_a_host() {
        let _ = HttpsLayer::new().redirect_to("https://api.example.com/");
    }
}
