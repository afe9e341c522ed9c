//! The `token_endpoint` example over loopback HTTP: login, the API through
//! the access cookie, rotation, reuse, RFC 7009 revocation, logout.

use std::collections::HashMap;

use reqwest::StatusCode;

#[allow(dead_code)]
#[path = "../../examples/token_endpoint.rs"]
mod token_endpoint;

use token_endpoint::{APP_ORIGIN, DEMO_PASSWORD, DEMO_USER};

struct Client {
    base: String,
    http: reqwest::Client,
}

/// A response's `Set-Cookie` headers: name -> (value, the whole header).
fn set_cookies(response: &reqwest::Response) -> HashMap<String, (String, String)> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| {
            let header = v.to_str().unwrap().to_owned();
            let pair = header.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            (name.to_owned(), (value.to_owned(), header.clone()))
        })
        .collect()
}

impl Client {
    async fn login(&self, password: &str) -> reqwest::Response {
        self.http
            .post(format!("{}/login", self.base))
            .json(&serde_json::json!({"username": DEMO_USER, "password": password}))
            .send()
            .await
            .unwrap()
    }

    /// Logs in; the access and refresh tokens from the cookies.
    async fn tokens(&self) -> (String, String) {
        let response = self.login(DEMO_PASSWORD).await;
        assert_eq!(response.status(), StatusCode::OK);
        let cookies = set_cookies(&response);
        (cookies["__Host-access"].0.clone(), cookies["__Host-refresh"].0.clone())
    }

    async fn post(&self, path: &str, cookie: &str, origin: Option<&str>) -> reqwest::Response {
        let mut request = self.http.post(format!("{}{path}", self.base)).header("cookie", cookie);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send().await.unwrap()
    }

    async fn me(&self, access: &str) -> StatusCode {
        let request = self.http.get(format!("{}/me", self.base)).header("cookie", format!("__Host-access={access}"));
        request.send().await.unwrap().status()
    }
}

/// The example served as its `main` serves it (with the peer's address).
async fn serve() -> Client {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = token_endpoint::app().unwrap();
    tokio::spawn(token_endpoint::serve(listener, app));
    Client { base: format!("http://{addr}"), http: reqwest::Client::new() }
}

#[tokio::test]
async fn login_refresh_reuse_and_revocation_over_http() {
    let client = serve().await;
    assert_eq!(client.login("not the password").await.status(), StatusCode::UNAUTHORIZED);

    let response = client.login(DEMO_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookies = set_cookies(&response);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 900, "a 15-minute access token");
    assert_eq!(body["refresh_expires_in"], 7 * 24 * 3600, "a 7-day refresh token");
    assert!(!body.to_string().contains("eyJ"), "no token in the body: scripts never hold one");
    let (access, access_header) = cookies["__Host-access"].clone();
    let (refresh, refresh_header) = cookies["__Host-refresh"].clone();
    assert!(access_header.ends_with("; Path=/; Max-Age=900; Secure; HttpOnly; SameSite=Strict"), "{access_header}");
    assert!(refresh_header.ends_with("; Path=/; Max-Age=604800; Secure; HttpOnly; SameSite=Strict"));
    assert!(refresh.starts_with("rt_"));

    // The API, through the access cookie.
    let me = client.http.get(format!("{}/me", client.base)).header("cookie", format!("__Host-access={access}"));
    let me: serde_json::Value = me.send().await.unwrap().json().await.unwrap();
    assert_eq!(me["subject"], DEMO_USER);

    // Cookie-authenticated POSTs need the application's Origin.
    let refresh_cookie = format!("__Host-refresh={refresh}");
    for origin in [None, Some("https://evil.example")] {
        let response = client.post("/token/refresh", &refresh_cookie, origin).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{origin:?}");
        let response = client.post("/me/logout", &format!("__Host-access={access}"), origin).await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{origin:?}");
    }

    // Rotation: new cookies, the old refresh token spent.
    let response = client.post("/token/refresh", &refresh_cookie, Some(APP_ORIGIN)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let rotated = set_cookies(&response);
    let (new_refresh, _) = rotated["__Host-refresh"].clone();
    assert_ne!(new_refresh, refresh);
    assert_eq!(client.me(&rotated["__Host-access"].0).await, StatusCode::OK);

    // Reuse of the spent token: refused, cookies cleared, the family revoked.
    let response = client.post("/token/refresh", &refresh_cookie, Some(APP_ORIGIN)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(set_cookies(&response)["__Host-refresh"].0, "", "the cookie is cleared");
    let response = client.post("/token/refresh", &format!("__Host-refresh={new_refresh}"), Some(APP_ORIGIN)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "the legitimate holder logs in again");
}

#[tokio::test]
async fn rfc_7009_revocation_and_logout_over_http() {
    let client = serve().await;

    // RFC 7009: a client holding its refresh token revokes it.
    let (_, refresh) = client.tokens().await;
    let response = client
        .http
        .post(format!("{}/token/revoke", client.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={refresh}&token_type_hint=refresh_token&client_id=web"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = client.post("/token/refresh", &format!("__Host-refresh={refresh}"), Some(APP_ORIGIN)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // Without client authentication: 401 invalid_client.
    let response = client
        .http
        .post(format!("{}/token/revoke", client.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={refresh}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // Logout: the access token is denied at once, the refresh token's family revoked.
    let (access, refresh) = client.tokens().await;
    assert_eq!(client.me(&access).await, StatusCode::OK);
    let both = format!("__Host-access={access}; __Host-refresh={refresh}");
    let response = client.post("/me/logout", &both, Some(APP_ORIGIN)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(client.me(&access).await, StatusCode::UNAUTHORIZED, "revoked by jti before it expires");
    let response = client.post("/token/refresh", &format!("__Host-refresh={refresh}"), Some(APP_ORIGIN)).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn password_guessing_is_throttled_before_the_password_is_compared() {
    let client = serve().await;
    for _ in 0..10 {
        assert_eq!(client.login("not the password").await.status(), StatusCode::UNAUTHORIZED);
    }
    // The eleventh guess from this address: 429, the password not compared,
    // so the right one is refused too until the budget refills.
    for password in ["not the password", DEMO_PASSWORD] {
        let response = client.login(password).await;
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        // At most a minute and a tenth: the sliding counter's longest wait.
        assert!((1..=66).contains(&retry_after), "{retry_after}");
        assert!(response.headers().get("set-cookie").is_none(), "no session while throttled");
        assert!(response.text().await.unwrap().contains("authentication_throttled"));
    }
    // Forged bearer tokens from the same address meet the layer's brake.
    let forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
    let mut statuses = Vec::new();
    for _ in 0..11 {
        let me = client.http.get(format!("{}/me", client.base)).bearer_auth(forged).send().await.unwrap();
        statuses.push(me.status());
    }
    assert_eq!(statuses[..10], [StatusCode::UNAUTHORIZED; 10]);
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn logout_with_a_bearer_header_revokes_that_access_token() {
    let client = serve().await;
    let (access, _) = client.tokens().await;
    let me = || client.http.get(format!("{}/me", client.base)).bearer_auth(&access);
    assert_eq!(me().send().await.unwrap().status(), StatusCode::OK);
    let logout = client.http.post(format!("{}/me/logout", client.base)).bearer_auth(&access).send().await.unwrap();
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert_eq!(me().send().await.unwrap().status(), StatusCode::UNAUTHORIZED, "revoked by jti before it expires");
    assert_eq!(client.me(&access).await, StatusCode::UNAUTHORIZED, "through the cookie too");
}

#[tokio::test]
async fn forged_access_cookies_meet_the_same_brake_as_forged_headers() {
    let client = serve().await;
    let forged = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl";
    let mut statuses = Vec::new();
    for _ in 0..11 {
        statuses.push(client.me(forged).await);
    }
    assert_eq!(statuses[..10], [StatusCode::UNAUTHORIZED; 10]);
    assert_eq!(statuses[10], StatusCode::TOO_MANY_REQUESTS, "the eleventh refused cookie from one address");
}
