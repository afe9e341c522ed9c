//! Token cookies and CSRF over loopback HTTP: the access token read from a
//! `__Host-` cookie, unsafe methods refused without an allowed `Origin`, the
//! bearer header never CSRF-checked, revoked tokens refused.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use apishield::auth::token::{CsrfPolicy, Grant, MemoryDenylist, SameSite, TokenCookie};
use apishield::axum::{AuthenticationLayer, FailedAuthLimit};
use apishield::{CallerId, Principal};
use axum::Router;
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;

use crate::support::{Setup, memory, setup};

const APP: &str = "https://app.example.com";

async fn me(principal: Principal) -> String {
    principal.subject().to_owned()
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    addr
}

struct Server {
    base: String,
    setup: Setup,
    http: reqwest::Client,
}

async fn server() -> Server {
    let denylist = MemoryDenylist::new();
    let setup = setup(memory(), Some(Arc::new(denylist)));
    let cookie = TokenCookie::new("access").unwrap();
    let layer = AuthenticationLayer::new()
        .jwt(setup.validator.clone())
        .token_cookie(cookie, CsrfPolicy::new([APP]).unwrap())
        .failed_attempts(FailedAuthLimit::off());
    let addr = serve(Router::new().route("/me", get(me).post(me).delete(me)).layer(layer)).await;
    Server { base: format!("http://{addr}/me"), setup, http: reqwest::Client::new() }
}

impl Server {
    async fn token(&self) -> String {
        let pair = self.setup.tokens.issue(&Grant::new(CallerId::home("user-42"), "web")).await.unwrap();
        pair.access_token.expose_secret().clone()
    }

    async fn send(&self, method: reqwest::Method, headers: &[(&str, String)]) -> (StatusCode, String, String) {
        let mut request = self.http.request(method, &self.base);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.unwrap();
        let status = StatusCode::from_u16(response.status().as_u16()).unwrap();
        let content_type =
            response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        (status, content_type, response.text().await.unwrap())
    }
}

#[tokio::test]
async fn cookie_authentication_with_csrf_over_http() {
    let server = server().await;
    let token = server.token().await;
    let cookie = ("cookie", format!("theme=dark; __Host-access={token}"));
    let origin = |o: &str| ("origin", o.to_owned());

    // Safe methods need no proof.
    let (status, _, body) = server.send(reqwest::Method::GET, std::slice::from_ref(&cookie)).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "user-42"));

    // An unsafe method without proof: 403 problem+json, whatever the token.
    for headers in [
        vec![cookie.clone()],
        vec![cookie.clone(), origin("https://evil.example")],
        vec![cookie.clone(), origin("null")],
        vec![cookie.clone(), origin(APP), ("sec-fetch-site", "cross-site".into())],
        vec![cookie.clone(), ("sec-fetch-site", "same-site".into())],
        vec![("cookie", "__Host-access=not-a-token".into())],
    ] {
        let (status, content_type, body) = server.send(reqwest::Method::POST, &headers).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{headers:?}");
        assert_eq!(content_type, "application/problem+json");
        assert!(body.contains("\"code\":\"csrf_check_failed\""), "{body}");
    }

    // With the application's Origin, or same-origin fetch metadata: accepted.
    for headers in [
        vec![cookie.clone(), origin(APP)],
        vec![cookie.clone(), origin("HTTPS://APP.EXAMPLE.COM"), ("sec-fetch-site", "same-site".into())],
        vec![cookie.clone(), ("sec-fetch-site", "same-origin".into())],
    ] {
        let (status, _, body) = server.send(reqwest::Method::DELETE, &headers).await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "user-42"), "{headers:?}");
    }

    // A bearer header is never CSRF-checked, and wins over a cookie.
    let bearer = ("authorization", format!("Bearer {token}"));
    let (status, _, body) = server.send(reqwest::Method::POST, std::slice::from_ref(&bearer)).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "user-42"));
    let (status, _, _) = server
        .send(reqwest::Method::POST, &[bearer, ("cookie", "__Host-access=garbage".into()), origin("https://evil")])
        .await;
    assert_eq!(status, StatusCode::OK);

    // A bad token in the cookie is a 401; so is the cookie twice; no cookie is anonymous.
    let (status, _, _) = server.send(reqwest::Method::GET, &[("cookie", "__Host-access=garbage".into())]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let twice = ("cookie", format!("__Host-access={token}; __Host-access={token}"));
    let (status, _, _) = server.send(reqwest::Method::GET, &[twice]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Without the prefix it is another cookie, never read.
    let (status, _, _) = server.send(reqwest::Method::GET, &[("cookie", format!("access={token}"))]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "anonymous: the Principal extractor answers 401");
}

#[tokio::test]
async fn a_revoked_access_token_is_refused_in_the_cookie_and_the_header() {
    let server = server().await;
    let token = server.token().await;
    let valid = server.setup.validator.validate_async(&token).await.unwrap();
    server.setup.tokens.revoke_access_token(&valid).await.unwrap();
    let (status, _, _) = server.send(reqwest::Method::GET, &[("cookie", format!("__Host-access={token}"))]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = server.send(reqwest::Method::GET, &[("authorization", format!("Bearer {token}"))]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Another token of the same user still works.
    let fresh = server.token().await;
    let (status, _, _) = server.send(reqwest::Method::GET, &[("authorization", format!("Bearer {fresh}"))]).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn set_cookie_headers_carry_every_attribute() {
    async fn login() -> HeaderMap {
        let mut headers = HeaderMap::new();
        let strict = TokenCookie::new("access").unwrap();
        let lax = TokenCookie::new("refresh").unwrap().same_site(SameSite::Lax);
        strict.set_into(&mut headers, "eyJ.x.y", Duration::from_secs(900)).unwrap();
        lax.set_into(&mut headers, "rt_abc", Duration::from_secs(604_800)).unwrap();
        headers.append(SET_COOKIE, TokenCookie::new("old").unwrap().clear());
        headers
    }
    let addr = serve(Router::new().route("/login", get(login))).await;
    let response = reqwest::get(format!("http://{addr}/login")).await.unwrap();
    let cookies: Vec<String> =
        response.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_owned()).collect();
    assert_eq!(
        cookies,
        [
            "__Host-access=eyJ.x.y; Path=/; Max-Age=900; Secure; HttpOnly; SameSite=Strict",
            "__Host-refresh=rt_abc; Path=/; Max-Age=604800; Secure; HttpOnly; SameSite=Lax",
            "__Host-old=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict",
        ]
    );
    for cookie in &cookies {
        assert!(!cookie.to_ascii_lowercase().contains("domain"));
    }
}
