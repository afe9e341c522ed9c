//! A token endpoint for a browser application: the security reference's
//! token practice end to end.
//!
//! ```text
//! cargo run --example token_endpoint        # serves http://127.0.0.1:3000
//! ```
//!
//! * `POST /login` (`{"username": "alice", "password": "..."}`, the demo
//!   user) starts a token family: a 15-minute access token and a 7-day
//!   refresh token, both in `__Host-` cookies (`HttpOnly`, `Secure`,
//!   `SameSite=Strict`), so no script ever holds a token. Wrong passwords
//!   are throttled per client address and per user name
//!   ([`FailedAuthLimit::admit_attempt`]): 429 with `Retry-After` before the
//!   password is even compared;
//! * `POST /token/refresh` rotates the refresh token (from its cookie): the
//!   old one stops working, and presenting it again revokes the family;
//! * `POST /token/revoke` is RFC 7009 for clients that hold their tokens
//!   (form body `token`, `client_id`);
//! * `GET /me` and `POST /me/logout` are the API, authenticated by the
//!   access-token cookie (or a bearer header); unsafe methods with the
//!   cookie need the application's `Origin`. Logout revokes the access token
//!   it was called with, cookie or header.
//!
//! The cookies are `Secure`: a browser keeps them from `https://` pages
//! only, so serve this behind TLS (locally, a TLS-terminating proxy).
//! [`serve`] passes the peer address on (`ConnectInfo`), which both brakes
//! on guessing count by; behind a proxy, resolve the client's address with
//! `TrustedProxies`, as `AuthenticationLayer::trusted_proxies` does.

use std::net::SocketAddr;

use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtIssuer, JwtKey, JwtSigningKey, JwtValidator};
use apishield::auth::token::{
    CsrfPolicy, Grant, MemoryDenylist, MemoryRefreshTokenStore, TokenCookie, TokenPair, TokenService,
};
use apishield::axum::extract::{OAuthClients, TokenRevocation, revoke_token};
use apishield::axum::{ApiError, AuthenticationLayer, FailedAuthLimit, SecureJson};
use apishield::client_addr::ClientAddr;
use apishield::prelude::*;
use axum::extract::{ConnectInfo, FromRef, State};
use axum::http::header::{AUTHORIZATION, SET_COOKIE};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use subtle::ConstantTimeEq;

/// Who mints the access tokens, and for whom.
pub const ISSUER: &str = "https://auth.example.com";
/// The API the access tokens are for.
pub const AUDIENCE: &str = "shop-api";
/// The browser application's OAuth client id.
pub const CLIENT: &str = "web";
/// Where the application's pages come from: the only origin whose
/// cookie-authenticated `POST`s are accepted.
pub const APP_ORIGIN: &str = "https://app.example.com";
/// The demo user.
pub const DEMO_USER: &str = "alice";
/// The demo user's password (a real service verifies a password hash).
pub const DEMO_PASSWORD: &str = "correct horse battery staple";

/// A login form.
#[secure_request]
#[derive(Debug)]
pub struct Login {
    /// The user name.
    #[shield(len = 1..=64)]
    pub username: String,
    /// The password.
    #[shield(len = 8..=128)]
    pub password: Secret<String>,
}

/// The two token cookies and the CSRF policy of cookie-authenticated requests.
#[derive(Debug, Clone)]
pub struct Cookies {
    access: TokenCookie,
    refresh: TokenCookie,
    csrf: CsrfPolicy,
}

/// The service's state.
#[derive(Debug, Clone)]
pub struct AppState {
    tokens: TokenService,
    revocation: TokenRevocation,
    cookies: Cookies,
    /// The brake on password guessing: 10 wrong passwords a minute per
    /// client address, 20 per user name (the layer's defaults).
    logins: FailedAuthLimit,
}

impl FromRef<AppState> for TokenRevocation {
    fn from_ref(state: &AppState) -> Self {
        state.revocation.clone()
    }
}

/// The service: a fresh signing secret, memory stores.
pub fn app() -> Result<Router, Box<dyn std::error::Error>> {
    let secret = HmacSecret::generate()?;
    let issuer = JwtIssuer::new(JwtSigningKey::hmac(JwtAlgorithm::HS256, &secret)?, ISSUER, AUDIENCE);
    let denylist = MemoryDenylist::new();
    let validator = JwtValidator::builder(JwtKey::hmac(JwtAlgorithm::HS256, &secret)?)
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .denylist(denylist.clone())
        .build();
    let tokens =
        TokenService::new(issuer, MemoryRefreshTokenStore::new()).denylist(denylist).validator(validator.clone());
    let cookies = Cookies {
        access: TokenCookie::new("access")?,
        refresh: TokenCookie::new("refresh")?,
        csrf: CsrfPolicy::new([APP_ORIGIN])?,
    };
    let authentication =
        AuthenticationLayer::new().jwt(validator).token_cookie(cookies.access.clone(), cookies.csrf.clone());
    let revocation = TokenRevocation::new(tokens.clone(), OAuthClients::new().public(CLIENT));
    let state = AppState { tokens, revocation, cookies, logins: FailedAuthLimit::new() };

    // The API behind authentication; the token routes outside it (an
    // expired access cookie must not stand in the way of a refresh).
    let api = Router::new().route("/me", get(me)).route("/me/logout", post(logout)).layer(authentication);
    let token_routes = Router::new()
        .route("/login", post(login))
        .route("/token/refresh", post(refresh))
        .route("/token/revoke", post(revoke_token));
    Ok(api.merge(token_routes).with_state(state))
}

/// The peer's address, when the server was given it ([`serve`] does).
type Peer = Option<Extension<ConnectInfo<SocketAddr>>>;

async fn login(State(state): State<AppState>, peer: Peer, SecureJson(login): SecureJson<Login>) -> Response {
    let client = peer.map_or(ClientAddr::Unknown, |Extension(ConnectInfo(addr))| ClientAddr::Ip(addr.ip()));
    // Throttled before the password is compared: a throttled guess learns nothing.
    if let Err(refused) = state.logins.admit_attempt(&client, &login.username).await {
        return refused.into_response();
    }
    let user_ok: bool = login.username.as_bytes().ct_eq(DEMO_USER.as_bytes()).into();
    let password_ok: bool = login.password.expose_secret().as_bytes().ct_eq(DEMO_PASSWORD.as_bytes()).into();
    if !(user_ok & password_ok) {
        state.logins.record_refused_attempt(&client, &login.username).await;
        return ApiError::unauthorized().into_response();
    }
    start_session(&state).await.unwrap_or_else(IntoResponse::into_response)
}

async fn start_session(state: &AppState) -> Result<Response, ApiError> {
    let grant = Grant::new(CallerId::home(DEMO_USER), CLIENT).scopes(["profile"]);
    let pair = state.tokens.issue(&grant).await.map_err(ApiError::internal)?;
    token_response(state, &pair)
}

async fn refresh(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, ApiError> {
    // The refresh cookie authenticates this POST: the same CSRF proof as the API's.
    if state.cookies.csrf.check(&Method::POST, &headers).is_err() {
        return Err(ApiError::with_status(StatusCode::FORBIDDEN, "csrf_check_failed"));
    }
    let Ok(Some(token)) = state.cookies.refresh.read(&headers) else {
        return Err(ApiError::unauthorized());
    };
    match state.tokens.refresh(token, CLIENT).await {
        Ok(pair) => token_response(&state, &pair),
        Err(e) if e.is_invalid_grant() => {
            // Spent, reused (the family is now revoked), expired: log in again.
            let mut response = ApiError::unauthorized().into_response();
            clear_cookies(&state, response.headers_mut());
            Ok(response)
        }
        Err(_) => Err(ApiError::unavailable()),
    }
}

async fn me(principal: Principal) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "subject": principal.subject() }))
}

/// Ends the session: the refresh token's family and the access tokens the
/// call carries, in its cookie and in its bearer header.
async fn logout(State(state): State<AppState>, _principal: Principal, headers: HeaderMap) -> Response {
    if let Ok(Some(token)) = state.cookies.refresh.read(&headers) {
        let _ = state.tokens.revoke_refresh_token(token, Some(CLIENT)).await;
    }
    let bearer = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    let cookie = state.cookies.access.read(&headers).ok().flatten();
    for token in bearer.into_iter().chain(cookie) {
        let _ = state.tokens.revoke(token, Some("access_token"), CLIENT).await;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    clear_cookies(&state, response.headers_mut());
    response
}

fn token_response(state: &AppState, pair: &TokenPair) -> Result<Response, ApiError> {
    let refresh_max_age = pair.refresh_expires_in(state.tokens.now());
    let body = serde_json::json!({
        "expires_in": pair.access_expires_in.as_secs(),
        "refresh_expires_in": refresh_max_age.as_secs(),
    });
    let mut response = (StatusCode::OK, Json(body)).into_response();
    let headers = response.headers_mut();
    let cookies = &state.cookies;
    cookies
        .access
        .set_into(headers, pair.access_token.expose_secret(), pair.access_expires_in)
        .and_then(|()| cookies.refresh.set_into(headers, pair.refresh_token.expose_secret(), refresh_max_age))
        .map_err(ApiError::internal)?;
    headers.insert("cache-control", axum::http::HeaderValue::from_static("no-store"));
    Ok(response)
}

fn clear_cookies(state: &AppState, headers: &mut HeaderMap) {
    headers.append(SET_COOKIE, state.cookies.access.clear());
    headers.append(SET_COOKIE, state.cookies.refresh.clear());
}

/// Serves `app` ([`app`]) on `listener`, with each request's peer address.
pub async fn serve(listener: tokio::net::TcpListener, app: Router) -> std::io::Result<()> {
    axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 3000))).await?;
    println!("token endpoint on http://{} (demo user {DEMO_USER})", listener.local_addr()?);
    serve(listener, app()?).await?;
    Ok(())
}
