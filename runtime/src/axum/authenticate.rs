//! The authentication layer: `Authorization` header in, [`Principal`] out.
//!
//! It is the one place where credentials are read, so every route sees the
//! same rules: a bearer JWT or an API key in the header, nothing in the
//! URL, and a refused credential is a 401, never an anonymous request.

use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tower_layer::Layer;
use tower_service::Service;

use super::error::ApiError;
use crate::auth::Principal;
use crate::auth::api_key::{ApiKey, ApiKeyError, ApiKeyRecord, ApiKeyStore, ApiKeyVerifier};
use crate::auth::credentials::{AuthorizationError, Credentials};
#[cfg(feature = "jwt")]
use crate::auth::jwt::JwtValidator;

/// Query parameter names refused by default, compared after normalising
/// case and `-`/`.` to `_`: the names `#[secure_request(query)]` refuses at
/// compile time, for routes that read their query some other way.
pub const CREDENTIAL_QUERY_PARAMS: &[&str] = apishield_macros::__default_credential_fields!();

/// Authenticates every request of the routes it wraps.
///
/// | Request | Outcome |
/// | --- | --- |
/// | no `Authorization` header | passes with no [`Principal`]: the `Principal` extractor answers 401, `Option<Principal>` sees `None` |
/// | `Authorization: Bearer <jwt>` that the [`JwtValidator`](crate::auth::jwt::JwtValidator) accepts (feature `jwt`) | passes with the token's principal |
/// | `Authorization: ApiKey <key>` that the [`ApiKeyVerifier`] accepts | passes with the key's principal |
/// | any other `Authorization` (malformed, refused, two headers, a scheme not configured) | 401 problem+json with `WWW-Authenticate`, the reason only in the logs |
/// | the API-key store unreachable | 503 |
/// | a credential in the query string (`?access_token=`, `?api_key=`, ... or any value that is an apishield API key or looks like a JWT) | 400 `credential_in_query`, even if the header is fine: URLs end up in logs, histories and `Referer` headers |
///
/// ```
/// # #[cfg(feature = "axum")] {
/// use apishield::auth::api_key::{ApiKeyEnvironment, ApiKeyVerifier, MemoryApiKeyStore};
/// use apishield::axum::Authentication;
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
///     .layer(Authentication::new().api_keys(keys)); // .jwt(validator) with the `jwt` feature
/// # let _ = app;
/// # }
/// ```
///
/// Put it outside the layers that need the principal (a rate limit per
/// principal): in axum the layer added last runs first.
#[derive(Clone)]
pub struct Authentication {
    inner: Arc<Config>,
}

#[derive(Clone)]
struct Config {
    #[cfg(feature = "jwt")]
    jwt: Option<JwtValidator>,
    api_keys: Option<Arc<dyn VerifyApiKey>>,
    refused_query_params: BTreeSet<String>,
}

impl Authentication {
    /// A layer that accepts no credential yet: add [`jwt`](Self::jwt)
    /// and/or [`api_keys`](Self::api_keys). It already refuses credentials
    /// in query strings.
    pub fn new() -> Self {
        Authentication {
            inner: Arc::new(Config {
                #[cfg(feature = "jwt")]
                jwt: None,
                api_keys: None,
                refused_query_params: CREDENTIAL_QUERY_PARAMS.iter().map(|s| (*s).to_owned()).collect(),
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
    pub fn jwt(mut self, validator: JwtValidator) -> Self {
        self.config_mut().jwt = Some(validator);
        self
    }

    /// Accepts `Authorization: ApiKey <key>` keys that `verifier` accepts
    /// (any scope: routes check scopes on the [`Principal`]).
    pub fn api_keys<S: ApiKeyStore + 'static>(mut self, verifier: ApiKeyVerifier<S>) -> Self {
        self.config_mut().api_keys = Some(Arc::new(verifier));
        self
    }

    /// Lets query parameter `name` through although it is on the
    /// [`CREDENTIAL_QUERY_PARAMS`] list (e.g. a `signature` of pre-signed
    /// download URLs that this API issues itself). Values that are API keys
    /// or look like JWTs are still refused.
    pub fn allow_query_param(mut self, name: &str) -> Self {
        self.config_mut().refused_query_params.remove(&normalize(name));
        self
    }

    /// Also refuses query parameter `name` (compared like the defaults).
    pub fn refuse_query_param(mut self, name: &str) -> Self {
        self.config_mut().refused_query_params.insert(normalize(name));
        self
    }

    /// Authenticates a request from its headers and query string, outside
    /// a tower stack: `Ok(None)` for an anonymous request.
    pub async fn authenticate(
        &self,
        headers: &HeaderMap,
        query: Option<&str>,
    ) -> Result<Option<Principal>, AuthRejection> {
        if let Some(query) = query {
            self.check_query(query)?;
        }
        let mut values = headers.get_all(AUTHORIZATION).iter();
        let value = match (values.next(), values.next()) {
            (None, _) => return Ok(None),
            (Some(value), None) => value,
            (Some(_), Some(_)) => return Err(self.unauthorized("two Authorization headers", false)),
        };
        let value = value.to_str().map_err(|_| self.unauthorized("Authorization is not visible ASCII", false))?;
        match Credentials::from_authorization(value) {
            Ok(Credentials::Bearer(token)) => self.bearer(token),
            Ok(Credentials::ApiKey(key)) => self.api_key(&key).await,
            Err(AuthorizationError::ApiKey(e)) => Err(self.unauthorized(e.code(), false)),
            Err(e) => Err(self.unauthorized(authorization_code(&e), false)),
        }
    }

    #[cfg(feature = "jwt")]
    fn bearer(&self, token: &str) -> Result<Option<Principal>, AuthRejection> {
        let Some(validator) = &self.inner.jwt else {
            return Err(self.unauthorized("bearer tokens are not accepted here", true));
        };
        match validator.validate(token) {
            Ok(valid) => Ok(Some(valid.principal())),
            Err(e) => Err(self.unauthorized(e.code(), true)),
        }
    }

    #[cfg(not(feature = "jwt"))]
    fn bearer(&self, _token: &str) -> Result<Option<Principal>, AuthRejection> {
        Err(self.unauthorized("bearer tokens need the `jwt` feature", true))
    }

    async fn api_key(&self, key: &ApiKey) -> Result<Option<Principal>, AuthRejection> {
        let Some(verifier) = &self.inner.api_keys else {
            return Err(self.unauthorized("API keys are not accepted here", false));
        };
        match verifier.verify(key).await {
            Ok(record) => Ok(Some(record.principal())),
            Err(ApiKeyError::StoreUnavailable) => Err(AuthRejection { kind: RejectionKind::Unavailable }),
            Err(e) => Err(self.unauthorized(e.code(), false)),
        }
    }

    fn check_query(&self, query: &str) -> Result<(), AuthRejection> {
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let refused = self.inner.refused_query_params.contains(&normalize(&name))
                || ApiKey::parse(&value).is_ok()
                || looks_like_jwt(&value);
            if refused {
                // The parameter's name may be logged if it reads like a name
                // (it is the client's text too); its value never.
                let parameter = if crate::request::echo::may_echo(&name) { &*name } else { "(not shown)" };
                tracing::warn!(parameter, "credential in the query string refused");
                return Err(AuthRejection { kind: RejectionKind::CredentialInQuery });
            }
        }
        Ok(())
    }

    #[cfg_attr(not(feature = "jwt"), allow(unused_variables))]
    fn unauthorized(&self, reason: &str, bearer: bool) -> AuthRejection {
        tracing::info!(reason, "authentication refused");
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

impl Default for Authentication {
    fn default() -> Self {
        Authentication::new()
    }
}

impl fmt::Debug for Authentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Authentication");
        #[cfg(feature = "jwt")]
        d.field("jwt", &self.inner.jwt.is_some());
        d.field("api_keys", &self.inner.api_keys.is_some())
            .field("refused_query_params", &self.inner.refused_query_params)
            .finish()
    }
}

/// Why [`Authentication`] answered instead of the route.
#[derive(Debug, Clone)]
pub struct AuthRejection {
    kind: RejectionKind,
}

#[derive(Debug, Clone)]
enum RejectionKind {
    Unauthorized { challenge: String },
    Unavailable,
    CredentialInQuery,
}

impl AuthRejection {
    /// The status of the answer: 401, 503 or 400.
    pub fn status(&self) -> StatusCode {
        match self.kind {
            RejectionKind::Unauthorized { .. } => StatusCode::UNAUTHORIZED,
            RejectionKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            RejectionKind::CredentialInQuery => StatusCode::BAD_REQUEST,
        }
    }
}

impl fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.kind {
            RejectionKind::Unauthorized { .. } => "credentials refused",
            RejectionKind::Unavailable => "credential store unavailable",
            RejectionKind::CredentialInQuery => "credential in the query string",
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
            RejectionKind::Unavailable => ApiError::unavailable().into_response(),
            RejectionKind::CredentialInQuery => ApiError::bad_request("credential_in_query").into_response(),
        }
    }
}

impl<S> Layer<S> for Authentication {
    type Service = AuthenticationService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AuthenticationService { auth: self.clone(), inner }
    }
}

/// The service of the [`Authentication`] layer.
#[derive(Clone, Debug)]
pub struct AuthenticationService<S> {
    auth: Authentication,
    inner: S,
}

impl<S> Service<Request> for AuthenticationService<S>
where
    S: Service<Request> + Clone + Send + 'static,
    S::Response: IntoResponse,
    S::Future: Send,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request) -> Self::Future {
        let auth = self.auth.clone();
        // The instance that was polled ready serves this request; a fresh
        // clone stays behind for the next one.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        Box::pin(async move {
            // Whatever a previous layer put there is not this layer's word.
            req.extensions_mut().remove::<Principal>();
            match auth.authenticate(req.headers(), req.uri().query()).await {
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

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// [`ApiKeyVerifier`] over any store, behind one type.
trait VerifyApiKey: Send + Sync {
    fn verify<'a>(&'a self, key: &'a ApiKey) -> BoxFuture<'a, Result<ApiKeyRecord, ApiKeyError>>;
}

impl<S: ApiKeyStore + 'static> VerifyApiKey for ApiKeyVerifier<S> {
    fn verify<'a>(&'a self, key: &'a ApiKey) -> BoxFuture<'a, Result<ApiKeyRecord, ApiKeyError>> {
        Box::pin(ApiKeyVerifier::verify(self, key, None))
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

/// `apiKey`, `API-KEY`, `api.key` -> `api_key`.
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 2);
    let mut prev_lower = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.' | ' ') {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        } else if c.is_uppercase() {
            if prev_lower && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
            prev_lower = false;
        } else {
            out.push(c);
            prev_lower = c.is_lowercase() || c.is_ascii_digit();
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// A compact JWS: three base64url segments, the first a JSON object
/// (`eyJ` is the base64url of `{"`).
fn looks_like_jwt(value: &str) -> bool {
    let mut segments = value.split('.');
    let (Some(header), Some(payload), Some(_signature), None) =
        (segments.next(), segments.next(), segments.next(), segments.next())
    else {
        return false;
    };
    header.starts_with("eyJ")
        && !payload.is_empty()
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::{looks_like_jwt, normalize};

    #[test]
    fn parameter_names_normalize_like_field_names() {
        for n in ["api_key", "apiKey", "API-KEY", "api.key", "Api_Key_"] {
            assert_eq!(normalize(n), "api_key", "{n}");
        }
        assert_eq!(normalize("access-token"), "access_token");
        assert_eq!(normalize("APIKEY"), "apikey");
    }

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
        let auth = super::Authentication::new();
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

    #[test]
    fn jwt_shapes() {
        assert!(looks_like_jwt("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln"));
        assert!(looks_like_jwt("eyJhbGciOiJub25lIn0.e30."));
        assert!(!looks_like_jwt("eyJhbGciOiJIUzI1NiJ9.e30"));
        assert!(!looks_like_jwt("a.b.c"));
        assert!(!looks_like_jwt("eyJ.x.y.z"));
        assert!(!looks_like_jwt("eyJ a.b.c"));
    }
}
