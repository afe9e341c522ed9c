//! RFC 7009 token revocation: the [`RevocationRequest`] extractor and the
//! [`revoke_token`] handler (features `axum` and `jwt`).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::auth::Secret;
use crate::auth::token::TokenService;

/// The largest revocation request body read: 8 KiB (a token, a hint, a
/// client id).
const MAX_BODY: usize = 8 * 1024;

#[derive(Clone)]
enum ClientAuth {
    /// Identified by `client_id` alone (a browser or mobile app: it can
    /// keep no secret).
    Public,
    /// Authenticated by HTTP Basic with a secret, kept as its SHA-256.
    Confidential([u8; 32]),
}

/// The OAuth clients that may revoke their tokens (RFC 7009 section 2.1:
/// the client authenticates, and only its own tokens are revoked).
///
/// Confidential clients authenticate with HTTP Basic
/// (`client_id:client_secret`, RFC 6749 section 2.3.1), their secrets kept
/// as SHA-256 and compared in constant time; public clients send
/// `client_id` in the form.
#[derive(Clone, Default)]
pub struct OAuthClients {
    clients: Arc<HashMap<String, ClientAuth>>,
}

impl OAuthClients {
    /// No client yet.
    pub fn new() -> Self {
        OAuthClients::default()
    }

    /// A public client, identified by `client_id` alone.
    #[must_use]
    pub fn public(mut self, client_id: impl Into<String>) -> Self {
        Arc::make_mut(&mut self.clients).insert(client_id.into(), ClientAuth::Public);
        self
    }

    /// A confidential client with its secret.
    #[must_use]
    pub fn confidential(mut self, client_id: impl Into<String>, secret: &Secret<String>) -> Self {
        let hash = Sha256::digest(secret.expose_secret().as_bytes()).into();
        Arc::make_mut(&mut self.clients).insert(client_id.into(), ClientAuth::Confidential(hash));
        self
    }

    /// The client a request authenticates as, if any.
    fn authenticate(&self, headers: &HeaderMap, form_client: Option<&str>) -> Option<String> {
        if let Some(value) = headers.get(AUTHORIZATION) {
            let encoded = value.to_str().ok()?.strip_prefix("Basic ")?;
            let decoded = zeroize::Zeroizing::new(STANDARD.decode(encoded.trim()).ok()?);
            let text = std::str::from_utf8(&decoded).ok()?;
            let (id, secret) = text.split_once(':')?;
            let id: String = form_urlencoded::parse(format!("i={id}").as_bytes()).next()?.1.into_owned();
            let secret = zeroize::Zeroizing::new(
                form_urlencoded::parse(format!("s={secret}").as_bytes()).next()?.1.into_owned(),
            );
            let presented: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
            // Unknown ids compare against a dummy, so timing does not tell them apart.
            let expected = match self.clients.get(&id) {
                Some(ClientAuth::Confidential(hash)) => *hash,
                _ => [0u8; 32],
            };
            let known = matches!(self.clients.get(&id), Some(ClientAuth::Confidential(_)));
            let matches: bool = presented.ct_eq(&expected).into();
            return (known && matches && form_client.is_none_or(|c| c == id)).then_some(id);
        }
        let id = form_client?;
        matches!(self.clients.get(id), Some(ClientAuth::Public)).then(|| id.to_owned())
    }
}

impl fmt::Debug for OAuthClients {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids: Vec<_> = self.clients.keys().collect();
        ids.sort();
        f.debug_struct("OAuthClients").field("ids", &ids).finish()
    }
}

/// The configuration of a revocation endpoint, from the router state
/// (`TokenRevocation: FromRef<S>`): the [`TokenService`] and the clients.
#[derive(Debug, Clone)]
pub struct TokenRevocation {
    tokens: TokenService,
    clients: OAuthClients,
}

impl TokenRevocation {
    /// Revokes through `tokens` (give it a
    /// [`validator`](TokenService::validator) and a
    /// [`denylist`](TokenService::denylist) to revoke access tokens too)
    /// for `clients`.
    pub fn new(tokens: TokenService, clients: OAuthClients) -> Self {
        TokenRevocation { tokens, clients }
    }
}

/// An RFC 7009 revocation request from an authenticated client: a
/// `application/x-www-form-urlencoded` body with `token` and optionally
/// `token_type_hint`. Refused with RFC 6749 section 5.2 errors:
/// 400 `invalid_request` (another content type, no `token`, a repeated
/// parameter, a body over 8 KiB), 401 `invalid_client` (no or wrong client
/// authentication).
pub struct RevocationRequest {
    tokens: TokenService,
    client: String,
    token: Secret<String>,
    hint: Option<String>,
}

impl fmt::Debug for RevocationRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RevocationRequest").field("client", &self.client).field("hint", &self.hint).finish()
    }
}

impl RevocationRequest {
    /// The authenticated client.
    pub fn client(&self) -> &str {
        &self.client
    }

    /// Revokes the token and answers RFC 7009's 200 with an empty body,
    /// whether or not it was a token of this client (so the answer reveals
    /// nothing); 503 `temporarily_unavailable` if the store is down.
    pub async fn revoke(self) -> Response {
        match self.tokens.revoke(self.token.expose_secret(), self.hint.as_deref(), &self.client).await {
            Ok(revoked) => {
                tracing::info!(client = %self.client, revoked, "token revocation request");
                let mut response = StatusCode::OK.into_response();
                response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
                response
            }
            Err(e) => {
                tracing::warn!(reason = e.code(), "token revocation failed");
                oauth_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable")
            }
        }
    }
}

/// Why a revocation request was refused: an RFC 6749 section 5.2 error.
#[derive(Debug)]
pub struct RevocationRejection {
    status: StatusCode,
    error: &'static str,
}

impl RevocationRejection {
    /// 400 or 401.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// `invalid_request` or `invalid_client`.
    pub fn error(&self) -> &'static str {
        self.error
    }
}

impl IntoResponse for RevocationRejection {
    fn into_response(self) -> Response {
        let mut response = oauth_error(self.status, self.error);
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"token\""));
        }
        response
    }
}

fn oauth_error(status: StatusCode, error: &'static str) -> Response {
    let body = serde_json::json!({ "error": error }).to_string();
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

impl<S> FromRequest<S> for RevocationRequest
where
    S: Send + Sync,
    TokenRevocation: FromRef<S>,
{
    type Rejection = RevocationRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let invalid = RevocationRejection { status: StatusCode::BAD_REQUEST, error: "invalid_request" };
        let endpoint = TokenRevocation::from_ref(state);
        let form = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded"));
        if !form {
            return Err(invalid);
        }
        let (parts, body) = req.into_parts();
        let bytes: Bytes = axum::body::to_bytes(body, MAX_BODY)
            .await
            .map_err(|_| RevocationRejection { status: StatusCode::BAD_REQUEST, error: "invalid_request" })?;
        let mut token = None;
        let mut hint = None;
        let mut client_id = None;
        for (name, value) in form_urlencoded::parse(&bytes) {
            let slot = match &*name {
                "token" => &mut token,
                "token_type_hint" => &mut hint,
                "client_id" => &mut client_id,
                _ => continue,
            };
            // RFC 6749 section 3.2: no parameter more than once.
            if slot.replace(value.into_owned()).is_some() {
                return Err(invalid);
            }
        }
        let token = match token {
            Some(token) if !token.is_empty() => Secret::new(token),
            _ => return Err(invalid),
        };
        let Some(client) = endpoint.clients.authenticate(&parts.headers, client_id.as_deref()) else {
            tracing::info!("token revocation: client authentication failed");
            return Err(RevocationRejection { status: StatusCode::UNAUTHORIZED, error: "invalid_client" });
        };
        Ok(RevocationRequest { tokens: endpoint.tokens, client, token, hint })
    }
}

/// The RFC 7009 revocation endpoint as a handler:
/// `.route("/oauth/revoke", post(revoke_token))` on a router whose state
/// gives a [`TokenRevocation`].
pub async fn revoke_token(request: RevocationRequest) -> Response {
    request.revoke().await
}
