//! The authentication layer: `Authorization` header in, [`Principal`] out.
//!
//! It is the one place where credentials are read, so every route sees the
//! same rules: a bearer JWT or an API key in the header, nothing in the
//! URL, and a refused credential is a 401, never an anonymous request.
//! A browser application's access token may come in a `__Host-` cookie
//! instead ([`AuthenticationLayer::token_cookie`]), with CSRF protection
//! for unsafe methods.

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use axum::extract::{ConnectInfo, Request};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_layer::Layer;
use tower_service::Service;

use self::throttle::Subjects;
use crate::auth::Principal;
use crate::auth::api_key::{ApiKey, ApiKeyError, ApiKeyStore, ApiKeyVerifier};
use crate::auth::credentials::{AuthorizationError, Credentials};
#[cfg(feature = "jwt")]
use crate::auth::jwt::{JwtError, JwtValidator};
#[cfg(feature = "jwt")]
use crate::auth::token::{CsrfPolicy, TokenCookie};
use crate::axum::ApiError;
use crate::axum::layer::rate_limit::INVALID_FORWARDED;
use crate::client_addr::{ClientAddr, ForwardedHeader, TrustedProxies};
use crate::telemetry::{self, Auth, Scheme};
use apishield_internals::names::normalize;

mod query;
mod throttle;

pub use throttle::{AttemptRefused, FailedAuthLimit};

/// Query parameter names refused by default, compared after normalising
/// case and `-`/`.` to `_`, dropping control characters and whitespace
/// around the name and reading `api_key[]` or `auth[token]` as their parts:
/// the names `#[secure_request(query)]` refuses at compile time, for routes
/// that read their query some other way.
pub const CREDENTIAL_QUERY_PARAMS: &[&str] = apishield_internals::lists::CREDENTIAL_FIELDS;

/// Authenticates every request of the routes it wraps.
///
/// | Request | Outcome |
/// | --- | --- |
/// | no `Authorization` header | passes with no [`Principal`]: the `Principal` extractor answers 401, `Option<Principal>` sees `None` |
/// | `Authorization: Bearer <jwt>` that the [`JwtValidator`] accepts (feature `jwt`) | passes with the token's principal |
/// | `Authorization: ApiKey <key>` that the [`ApiKeyVerifier`] accepts | passes with the key's principal |
/// | no `Authorization`, the [`token_cookie`](Self::token_cookie) holding a JWT the validator accepts, a safe method (`GET`, `HEAD`, ...) or an unsafe one whose `Origin` the [`CsrfPolicy`] allows | passes with the token's principal |
/// | the token cookie on an unsafe method without that proof | 403 problem+json `csrf_check_failed`, before the token is read |
/// | a revoked access token (the validator's [denylist](crate::auth::jwt::JwtValidatorBuilder::denylist)) | 401; the denylist unreachable: 503 |
/// | any other `Authorization` (malformed, refused, two headers, a scheme not configured) | 401 problem+json with `WWW-Authenticate`, the reason only in the logs |
/// | a credential from a client address (or for an API-key prefix) with too many refused credentials lately | 429 `authentication_throttled` with `Retry-After`, before the credential is verified (see [`FailedAuthLimit`]) |
/// | the API-key store unreachable | 503 |
/// | a credential in the query string (`?access_token=`, `?api_key[]=`, `?X-Api-Key=`, ... or any value that is an apishield API key, looks like a JWT, or reads `Bearer ...`, `ApiKey ...`, `Basic ...`) | 400 `credential_in_query`, even if the header is fine: URLs end up in logs, histories and `Referer` headers |
/// | a credential through a trusted proxy whose forwarding header names no client | 400 `invalid_forwarded_header` (see [`client_addr`](crate::client_addr)) |
///
/// Failed authentication is rate limited by default: [`FailedAuthLimit::new`]
/// counts refused credentials per client address and per API-key prefix,
/// in memory; give it Redis limiters to share the counts between processes,
/// or turn it off with [`FailedAuthLimit::off`]. The client address is the
/// peer's (serve with `into_make_service_with_connect_info::<SocketAddr>()`)
/// or, behind [`trusted_proxies`](Self::trusted_proxies), the one they
/// report: give this layer the same [`TrustedProxies`] as the
/// [`RateLimitLayer`](crate::axum::RateLimitLayer) layer.
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use apishield::auth::api_key::{ApiKeyEnvironment, ApiKeyVerifier, MemoryApiKeyStore};
/// use apishield::axum::AuthenticationLayer;
/// use apishield::Principal;
/// use axum::{Router, routing::get};
///
/// async fn me(principal: Principal) -> String {
///     principal.subject().to_owned()
/// }
///
/// let keys = ApiKeyVerifier::new(MemoryApiKeyStore::new(), ApiKeyEnvironment::Live);
/// let app: Router = Router::new()
///     .route("/me", get(me))
///     .layer(AuthenticationLayer::new().api_keys(keys)); // .jwt(validator) with the `jwt` feature
/// # let _ = app;
/// # }
/// ```
///
/// Put it outside the layers that need the principal (a rate limit per
/// principal): in axum the layer added last runs first.
#[derive(Clone)]
pub struct AuthenticationLayer {
    inner: Arc<Config>,
}

#[derive(Clone)]
struct Config {
    #[cfg(feature = "jwt")]
    jwt: Option<JwtValidator>,
    #[cfg(feature = "jwt")]
    cookie: Option<(TokenCookie, CsrfPolicy)>,
    api_keys: Option<ApiKeyVerifier<Arc<dyn ApiKeyStore>>>,
    refused_query_params: BTreeSet<String>,
    failures: FailedAuthLimit,
    proxies: TrustedProxies,
}

impl AuthenticationLayer {
    /// A layer that accepts no credential yet: add [`jwt`](Self::jwt)
    /// and/or [`api_keys`](Self::api_keys). It already refuses credentials
    /// in query strings and throttles refused credentials
    /// ([`FailedAuthLimit::new`]).
    pub fn new() -> Self {
        AuthenticationLayer {
            inner: Arc::new(Config {
                #[cfg(feature = "jwt")]
                jwt: None,
                #[cfg(feature = "jwt")]
                cookie: None,
                api_keys: None,
                refused_query_params: CREDENTIAL_QUERY_PARAMS.iter().map(|s| (*s).to_owned()).collect(),
                failures: FailedAuthLimit::new(),
                proxies: TrustedProxies::none(),
            }),
        }
    }

    fn config_mut(&mut self) -> &mut Config {
        // Configuration happens before the layer is cloned into services, so
        // this copies nothing unless a configured layer was cloned first.
        Arc::make_mut(&mut self.inner)
    }

    /// Accepts `Authorization: Bearer <jwt>` tokens that `validator` accepts.
    #[cfg(feature = "jwt")]
    #[must_use]
    pub fn jwt(mut self, validator: JwtValidator) -> Self {
        self.config_mut().jwt = Some(validator);
        self
    }

    /// Also reads the access token from `cookie` (a [`TokenCookie`]:
    /// `__Host-`, `HttpOnly`, `Secure`, `SameSite`) when a request has no
    /// `Authorization` header, for browser applications that keep tokens
    /// out of scripts' reach. The token is validated as a bearer token (set
    /// [`jwt`](Self::jwt) too).
    ///
    /// A browser attaches cookies by itself, so a cookie-authenticated
    /// request with an unsafe method must prove it comes from the
    /// application's pages: `csrf` checks its `Origin` (or `Sec-Fetch-Site`)
    /// and a request without that proof is refused with 403 before its
    /// token is looked at. A bearer header is never CSRF-checked: no
    /// browser sends one by itself.
    #[cfg(feature = "jwt")]
    #[must_use]
    pub fn token_cookie(mut self, cookie: TokenCookie, csrf: CsrfPolicy) -> Self {
        self.config_mut().cookie = Some((cookie, csrf));
        self
    }

    /// Accepts `Authorization: ApiKey <key>` keys that `verifier` accepts
    /// (any scope: routes check scopes on the [`Principal`]).
    #[must_use]
    pub fn api_keys<S: ApiKeyStore + 'static>(mut self, verifier: ApiKeyVerifier<S>) -> Self {
        self.config_mut().api_keys = Some(verifier.into_shared());
        self
    }

    /// Lets query parameter `name` through although it is on the
    /// [`CREDENTIAL_QUERY_PARAMS`] list (e.g. a `signature` of pre-signed
    /// download URLs that this API issues itself). Values that are API keys
    /// or look like JWTs are still refused.
    #[must_use]
    pub fn allow_query_param(mut self, name: &str) -> Self {
        self.config_mut().refused_query_params.remove(&normalize(name));
        self
    }

    /// Also refuses query parameter `name` (compared like the defaults).
    #[must_use]
    pub fn refuse_query_param(mut self, name: &str) -> Self {
        self.config_mut().refused_query_params.insert(normalize(name));
        self
    }

    /// How refused credentials are throttled (default
    /// [`FailedAuthLimit::new`]; [`FailedAuthLimit::off`] for none).
    #[must_use]
    pub fn failed_attempts(mut self, limit: FailedAuthLimit) -> Self {
        self.config_mut().failures = limit;
        self
    }

    /// The proxies that may report the client's address, for the
    /// per-address budget of refused credentials (default: none, the peer
    /// is the client). The same as the [`RateLimitLayer`](crate::axum::RateLimitLayer)
    /// layer's.
    #[must_use]
    pub fn trusted_proxies(mut self, proxies: TrustedProxies) -> Self {
        self.config_mut().proxies = proxies;
        self
    }

    /// Authenticates a request from its headers and query string, outside
    /// a tower stack: `Ok(None)` for an anonymous request. Without a client
    /// address, refused credentials are only counted per API-key prefix;
    /// [`authenticate_from`](Self::authenticate_from) takes the address.
    pub async fn authenticate(
        &self,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Result<Option<Principal>, AuthRejection> {
        self.authenticate_from(None, headers, query).await
    }

    /// [`authenticate`](Self::authenticate) a request from `peer`, the
    /// address of the connection (a proxy's, if it is a
    /// [trusted](Self::trusted_proxies) one). Without the request's method,
    /// a [token cookie](Self::token_cookie) is CSRF-checked as for an
    /// unsafe one; [`authenticate_request`](Self::authenticate_request)
    /// takes the method.
    pub async fn authenticate_from(
        &self,
        peer: Option<IpAddr>,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Result<Option<Principal>, AuthRejection> {
        self.authenticate_request(peer, &Method::POST, headers, query).await
    }

    /// [`authenticate_from`](Self::authenticate_from) a request with
    /// `method` (what the layer calls).
    pub async fn authenticate_request(
        &self,
        peer: Option<IpAddr>,
        method: &Method,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Result<Option<Principal>, AuthRejection> {
        if let Some(query) = query {
            self.check_query(query)?;
        }
        let mut values = headers.get_all(AUTHORIZATION).iter();
        let Some(value) = values.next() else { return self.cookie(peer, method, headers).await };
        // Refused before any verification: the reason, reported only if the
        // throttle lets the request through.
        let credentials = if values.next().is_some() {
            Err((DUPLICATE_AUTHORIZATION, Scheme::Unknown))
        } else {
            match value.to_str() {
                Ok(value) => Credentials::from_authorization(value).map_err(|e| match e {
                    AuthorizationError::ApiKey(e) => (e.code(), Scheme::ApiKey),
                    e => (authorization_code(&e), Scheme::Unknown),
                }),
                Err(_) => Err((NOT_ASCII, Scheme::Unknown)),
            }
        };
        let (key_prefix, scheme) = match &credentials {
            Ok(Credentials::ApiKey(key)) => (Some(key.display_prefix()), Scheme::ApiKey),
            Ok(Credentials::Bearer(_)) => (None, Scheme::Bearer),
            Err((_, scheme)) => (None, *scheme),
        };
        let subjects = self.subjects(peer, headers, key_prefix, scheme)?;
        let failures = &self.inner.failures;
        failures.admit(&subjects).await.map_err(|refusal| refused_by_throttle(refusal, scheme))?;
        let outcome = match &credentials {
            Ok(Credentials::Bearer(token)) => self.bearer(token, Scheme::Bearer).await,
            Ok(Credentials::ApiKey(key)) => self.api_key(key).await,
            Err((reason, scheme)) => Err(self.unauthorized(reason, *scheme)),
        };
        if let Err(AuthRejection { kind: RejectionKind::Unauthorized { .. } }) = &outcome {
            failures.record_failure(&subjects).await;
        }
        outcome
    }

    /// The budgets of refused credentials this request is counted in.
    fn subjects<'a>(
        &self,
        peer: Option<IpAddr>,
        headers: &HeaderMap,
        key_prefix: Option<&'a str>,
        scheme: Scheme,
    ) -> Result<Subjects<'a>, AuthRejection> {
        let failures = &self.inner.failures;
        if !failures.counts_clients() {
            return Ok(failures.subjects(None, key_prefix));
        }
        let proxies = &self.inner.proxies;
        warn_if_behind_an_unconfigured_proxy(proxies, peer, headers);
        match proxies.resolve_headers(peer, headers) {
            Ok(client) => {
                if matches!(client, ClientAddr::Unknown) {
                    static WARNED: AtomicBool = AtomicBool::new(false);
                    if !WARNED.swap(true, Ordering::Relaxed) {
                        tracing::warn!(
                            "authentication: no client address (serve with into_make_service_with_connect_info); \
                             refused credentials are counted per API-key prefix only"
                        );
                    }
                }
                Ok(failures.subjects(Some(client), key_prefix))
            }
            Err(_) => {
                telemetry::authentication(Auth::InvalidForwarded, scheme);
                Err(AuthRejection { kind: RejectionKind::BadForwarded })
            }
        }
    }

    #[cfg(feature = "jwt")]
    async fn bearer(&self, token: &str, scheme: Scheme) -> Result<Option<Principal>, AuthRejection> {
        let Some(validator) = &self.inner.jwt else {
            return Err(self.unauthorized(SCHEME_NOT_CONFIGURED, scheme));
        };
        // Async: an unknown `kid` from a remote JWK set waits for the one
        // allowed refetch (key rotation at the identity provider), and a
        // denylist is asked whether the token was revoked.
        match validator.validate_async(token).await {
            Ok(valid) => {
                telemetry::authentication(Auth::Authenticated, scheme);
                Ok(Some(valid.principal()))
            }
            Err(e @ JwtError::RevocationUnavailable) => Err(unavailable(e.code(), scheme)),
            Err(e) => Err(self.unauthorized(e.code(), scheme)),
        }
    }

    #[cfg(not(feature = "jwt"))]
    async fn bearer(&self, _token: &str, scheme: Scheme) -> Result<Option<Principal>, AuthRejection> {
        // Bearer tokens need the `jwt` feature.
        Err(self.unauthorized(SCHEME_NOT_CONFIGURED, scheme))
    }

    /// A request without `Authorization`: the token cookie, if configured
    /// and present, CSRF-checked, then validated like a bearer token (and
    /// throttled like one).
    #[cfg(feature = "jwt")]
    async fn cookie(
        &self,
        peer: Option<IpAddr>,
        method: &Method,
        headers: &HeaderMap,
    ) -> Result<Option<Principal>, AuthRejection> {
        let Some((cookie, csrf)) = &self.inner.cookie else { return Ok(anonymous()) };
        let token = match cookie.read(headers) {
            Ok(None) => return Ok(anonymous()),
            Ok(Some(token)) => Ok(token),
            Err(_) => Err(DUPLICATE_COOKIE),
        };
        if let Err(e) = csrf.check(method, headers) {
            telemetry::authentication(Auth::Csrf(e.code()), Scheme::Cookie);
            return Err(AuthRejection { kind: RejectionKind::Csrf });
        }
        let subjects = self.subjects(peer, headers, None, Scheme::Cookie)?;
        let failures = &self.inner.failures;
        failures.admit(&subjects).await.map_err(|refusal| refused_by_throttle(refusal, Scheme::Cookie))?;
        let outcome = match token {
            Ok(token) => self.bearer(token, Scheme::Cookie).await,
            Err(reason) => Err(self.unauthorized(reason, Scheme::Cookie)),
        };
        if let Err(AuthRejection { kind: RejectionKind::Unauthorized { .. } }) = &outcome {
            failures.record_failure(&subjects).await;
        }
        outcome
    }

    #[cfg(not(feature = "jwt"))]
    async fn cookie(
        &self,
        _peer: Option<IpAddr>,
        _method: &Method,
        _headers: &HeaderMap,
    ) -> Result<Option<Principal>, AuthRejection> {
        Ok(anonymous())
    }

    async fn api_key(&self, key: &ApiKey) -> Result<Option<Principal>, AuthRejection> {
        let Some(verifier) = &self.inner.api_keys else {
            return Err(self.unauthorized(SCHEME_NOT_CONFIGURED, Scheme::ApiKey));
        };
        match verifier.verify(key, None).await {
            Ok(record) => {
                telemetry::authentication(Auth::Authenticated, Scheme::ApiKey);
                Ok(Some(record.principal()))
            }
            Err(e @ ApiKeyError::StoreUnavailable) => Err(unavailable(e.code(), Scheme::ApiKey)),
            Err(e) => Err(self.unauthorized(e.code(), Scheme::ApiKey)),
        }
    }

    fn check_query(&self, query: &str) -> Result<(), AuthRejection> {
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            if query::is_credential(&self.inner.refused_query_params, &name, &value) {
                // The parameter's name may be reported if it reads like a
                // name (it is the client's text too); its value never.
                let parameter = if crate::request::echo::may_echo(&name) { &*name } else { "(not shown)" };
                telemetry::authentication(Auth::CredentialInQuery { parameter }, Scheme::Query);
                return Err(AuthRejection { kind: RejectionKind::CredentialInQuery });
            }
        }
        Ok(())
    }

    /// A 401, reported with its `reason` (a code from a fixed set).
    fn unauthorized(&self, reason: &'static str, scheme: Scheme) -> AuthRejection {
        telemetry::authentication(Auth::Refused(reason), scheme);
        #[cfg_attr(not(feature = "jwt"), allow(unused_variables))]
        let bearer = matches!(scheme, Scheme::Bearer | Scheme::Cookie);
        let mut challenges = Vec::with_capacity(2);
        #[cfg(feature = "jwt")]
        if self.inner.jwt.is_some() {
            challenges.push(if bearer { r#"Bearer error="invalid_token""# } else { "Bearer" });
        }
        if self.inner.api_keys.is_some() {
            challenges.push("ApiKey");
        }
        AuthRejection { kind: RejectionKind::Unauthorized { challenge: challenges.join(", ") } }
    }
}

/// The reasons of refusals that are not an error type's code.
const DUPLICATE_AUTHORIZATION: &str = "duplicate_authorization";
const NOT_ASCII: &str = "not_ascii";
const SCHEME_NOT_CONFIGURED: &str = "scheme_not_configured";
#[cfg(feature = "jwt")]
const DUPLICATE_COOKIE: &str = "duplicate_cookie";

/// A request without a credential, reported.
fn anonymous() -> Option<Principal> {
    telemetry::authentication(Auth::Anonymous, Scheme::None);
    None
}

/// A 503, reported with its `reason`.
fn unavailable(reason: &'static str, scheme: Scheme) -> AuthRejection {
    telemetry::authentication(Auth::Unavailable(reason), scheme);
    AuthRejection { kind: RejectionKind::Unavailable }
}

/// The failed-attempt limit's refusal, reported.
fn refused_by_throttle(refusal: AttemptRefused, scheme: Scheme) -> AuthRejection {
    match refusal {
        AttemptRefused::Throttled { retry_after_secs } => {
            telemetry::authentication(Auth::Throttled { retry_after_secs }, scheme);
            AuthRejection { kind: RejectionKind::Throttled { retry_after_secs } }
        }
        AttemptRefused::Unavailable => unavailable("throttle_unavailable", scheme),
    }
}

impl AuthenticationLayer {
    /// What this layer enforces, for the audit.
    pub(crate) fn enforcement(&self) -> crate::routing::Enforcement {
        #[cfg(feature = "jwt")]
        let jwt = self.inner.jwt.as_ref().map(|v| crate::routing::JwtFacts {
            issuers: v.issuers().map(str::to_owned).collect(),
            algorithms: v.algorithms().iter().map(|a| a.as_str()).collect(),
            max_lifetime_secs: v.max_lifetime().as_secs(),
        });
        #[cfg(not(feature = "jwt"))]
        let jwt = None;
        crate::routing::Enforcement::Authentication {
            jwt,
            api_keys: self.inner.api_keys.is_some(),
            failed_attempts_limited: self.inner.failures.counts_anything(),
        }
    }
}

impl Default for AuthenticationLayer {
    fn default() -> Self {
        AuthenticationLayer::new()
    }
}

impl fmt::Debug for AuthenticationLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("AuthenticationLayer");
        #[cfg(feature = "jwt")]
        d.field("jwt", &self.inner.jwt.is_some()).field("cookie", &self.inner.cookie.as_ref().map(|(c, _)| c.name()));
        d.field("api_keys", &self.inner.api_keys.is_some())
            .field("refused_query_params", &self.inner.refused_query_params)
            .field("failures", &self.inner.failures)
            .field("proxies", &self.inner.proxies)
            .finish()
    }
}

/// Why [`AuthenticationLayer`] answered instead of the route.
#[derive(Debug, Clone)]
pub struct AuthRejection {
    kind: RejectionKind,
}

#[derive(Debug, Clone)]
enum RejectionKind {
    Unauthorized {
        challenge: String,
    },
    Throttled {
        retry_after_secs: u64,
    },
    Unavailable,
    CredentialInQuery,
    BadForwarded,
    #[cfg_attr(not(feature = "jwt"), allow(dead_code))]
    Csrf,
}

impl AuthRejection {
    /// The status of the answer: 401, 429, 503, 400 or 403 (a
    /// cookie-authenticated unsafe request without CSRF proof).
    pub fn status(&self) -> StatusCode {
        match self.kind {
            RejectionKind::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            RejectionKind::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
            RejectionKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            RejectionKind::CredentialInQuery | RejectionKind::BadForwarded => StatusCode::BAD_REQUEST,
            RejectionKind::Csrf => StatusCode::FORBIDDEN,
        }
    }

    /// For a 429: how many seconds to wait before trying again.
    pub fn retry_after_secs(&self) -> Option<u64> {
        match self.kind {
            RejectionKind::Throttled { retry_after_secs } => Some(retry_after_secs),
            _ => None,
        }
    }
}

impl fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.kind {
            RejectionKind::Unauthorized { .. } => "credentials refused",
            RejectionKind::Throttled { .. } => "too many refused credentials",
            RejectionKind::Unavailable => "credential store unavailable",
            RejectionKind::CredentialInQuery => "credential in the query string",
            RejectionKind::BadForwarded => "the forwarding header names no client",
            RejectionKind::Csrf => "cookie-authenticated request without CSRF proof",
        })
    }
}

impl std::error::Error for AuthRejection {}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self.kind {
            RejectionKind::Unauthorized { challenge } => {
                let mut response = ApiError::unauthorized().into_response();
                if let Ok(value) = HeaderValue::try_from(challenge)
                    && !value.is_empty()
                {
                    response.headers_mut().insert(WWW_AUTHENTICATE, value);
                }
                response
            }
            RejectionKind::Throttled { retry_after_secs } => {
                AttemptRefused::Throttled { retry_after_secs }.into_response()
            }
            RejectionKind::Unavailable => ApiError::unavailable().into_response(),
            RejectionKind::CredentialInQuery => ApiError::bad_request("credential_in_query").into_response(),
            RejectionKind::BadForwarded => ApiError::bad_request(INVALID_FORWARDED).into_response(),
            RejectionKind::Csrf => ApiError::with_status(StatusCode::FORBIDDEN, "csrf_check_failed").into_response(),
        }
    }
}

impl<S> Layer<S> for AuthenticationLayer {
    type Service = Authentication<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Authentication { auth: self.clone(), inner }
    }
}

/// The service of the [`AuthenticationLayer`]: authenticates each request,
/// then calls the route with its [`Principal`] (or answers the refusal).
#[derive(Clone, Debug)]
pub struct Authentication<S> {
    auth: AuthenticationLayer,
    inner: S,
}

impl<S> Service<Request> for Authentication<S>
where
    S: Service<Request> + Clone + Send + 'static,
    S::Response: IntoResponse,
    S::Future: Send,
{
    type Response = Response;
    type Error = S::Error;
    type Future = ResponseFuture<S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let auth = self.auth.clone();
        // The instance that was polled ready serves this request; a fresh
        // clone stays behind for the next one.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        ResponseFuture::new(async move {
            // Whatever a previous layer put there is not this layer's word.
            req.extensions_mut().remove::<Principal>();
            let peer = req.extensions().get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
            match auth.authenticate_request(peer, req.method(), req.headers(), req.uri().query()).await {
                Ok(Some(principal)) => {
                    req.extensions_mut().insert(principal);
                }
                Ok(None) => {}
                Err(rejection) => return Ok(rejection.into_response()),
            }
            inner.call(req).await.map(IntoResponse::into_response)
        })
    }
}

/// The future of [`Authentication`]: the route's answer, or the layer's
/// refusal. Boxed: the credential check awaits a store.
pub struct ResponseFuture<E> {
    inner: Pin<Box<dyn Future<Output = Result<Response, E>> + Send>>,
}

impl<E> ResponseFuture<E> {
    fn new(future: impl Future<Output = Result<Response, E>> + Send + 'static) -> Self {
        ResponseFuture { inner: Box::pin(future) }
    }
}

impl<E> Future for ResponseFuture<E> {
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().inner.as_mut().poll(cx)
    }
}

impl<E> fmt::Debug for ResponseFuture<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

fn authorization_code(error: &AuthorizationError) -> &'static str {
    match error {
        AuthorizationError::Empty => "empty",
        AuthorizationError::TooLong => "too_long",
        AuthorizationError::UnsupportedScheme => "unsupported_scheme",
        _ => "malformed",
    }
}

/// Behind a proxy that is not configured, every client's refused
/// credentials count against the proxy's address: say so, once.
fn warn_if_behind_an_unconfigured_proxy(proxies: &TrustedProxies, peer: Option<IpAddr>, headers: &HeaderMap) {
    static WARNED: AtomicBool = AtomicBool::new(false);
    if *proxies != TrustedProxies::none() || WARNED.load(Ordering::Relaxed) {
        return;
    }
    let internal = match peer {
        Some(IpAddr::V4(v4)) => v4.is_loopback() || v4.is_private(),
        Some(IpAddr::V6(v6)) => v6.is_loopback() || v6.is_unique_local(),
        None => false,
    };
    let forwarded = [ForwardedHeader::XForwardedFor, ForwardedHeader::Forwarded]
        .iter()
        .any(|h| headers.contains_key(h.header_name()));
    if internal && forwarded && !WARNED.swap(true, Ordering::Relaxed) {
        tracing::warn!(
            "authentication: requests from a private address carry a forwarding header, but no trusted proxies are \
             configured: refused credentials of every client behind the proxy count against one address \
             (AuthenticationLayer::trusted_proxies)"
        );
    }
}

#[cfg(test)]
mod tests {
    /// Records the fields of every event, as text.
    #[derive(Default)]
    struct Recorder(std::sync::Mutex<String>);

    impl tracing::field::Visit for &Recorder {
        fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
            if let Ok(mut log) = self.0.lock() {
                log.push_str(&format!("{}={value:?} ", field.name()));
            }
        }
    }

    impl tracing::Subscriber for &'static Recorder {
        fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
            tracing::span::Id::from_u64(1)
        }
        fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
        fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
        fn event(&self, event: &tracing::Event<'_>) {
            event.record(&mut &**self);
        }
        fn enter(&self, _: &tracing::span::Id) {}
        fn exit(&self, _: &tracing::span::Id) {}
    }

    #[test]
    fn a_refused_parameter_is_logged_by_name_unless_the_name_is_a_credential() {
        let recorder: &'static Recorder = Box::leak(Box::default());
        let auth = super::AuthenticationLayer::new();
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln";
        tracing::subscriber::with_default(recorder, || {
            assert!(auth.check_query("access_token=abc").is_err());
            // A client that sent its token as the name and as the value.
            assert!(auth.check_query(&format!("{jwt}={jwt}")).is_err());
        });
        let log = recorder.0.lock().map(|l| l.clone()).unwrap_or_default();
        assert!(log.contains("access_token"), "{log}");
        assert!(log.contains("(not shown)"), "{log}");
        assert!(!log.contains("eyJ"), "{log}");
    }
}
