//! The RFC 7009 revocation endpoint over loopback HTTP.

use std::sync::Arc;

use apishield::CallerId;
use apishield::auth::Secret;
use apishield::auth::jwt::JwtError;
use apishield::auth::token::{Grant, MemoryDenylist, TokenError, TokenService};
use apishield::axum::extract::{OAuthClients, TokenRevocation, revoke_token};
use axum::Router;
use axum::routing::post;
use base64::Engine as _;

use crate::support::{Setup, memory, setup};

struct Endpoint {
    url: String,
    setup: Setup,
    http: reqwest::Client,
}

async fn endpoint() -> Endpoint {
    let setup = setup(memory(), Some(Arc::new(MemoryDenylist::new())));
    let clients = OAuthClients::new()
        .public("web")
        .public("mobile")
        .confidential("backend", &Secret::new("s3cret-of-the-backend".to_owned()));
    let app = Router::new()
        .route("/oauth/revoke", post(revoke_token))
        .with_state(TokenRevocation::new(setup.tokens.clone(), clients));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    Endpoint { url: format!("http://{addr}/oauth/revoke"), setup, http: reqwest::Client::new() }
}

impl Endpoint {
    fn tokens(&self) -> &TokenService {
        &self.setup.tokens
    }

    async fn post(&self, body: &str, basic: Option<&str>) -> (u16, String, Option<String>) {
        let mut request =
            self.http.post(&self.url).header("content-type", "application/x-www-form-urlencoded").body(body.to_owned());
        if let Some(credentials) = basic {
            let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
            request = request.header("authorization", format!("Basic {encoded}"));
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
        (status, response.text().await.unwrap(), challenge)
    }
}

#[tokio::test]
async fn public_clients_revoke_their_refresh_tokens() {
    let endpoint = endpoint().await;
    let pair = endpoint.tokens().issue(&Grant::new(CallerId::home("u"), "web")).await.unwrap();
    let token = pair.refresh_token.expose_secret();

    // Another client's token: 200 (nothing revealed), nothing revoked.
    let (status, body, _) = endpoint.post(&format!("token={token}&client_id=mobile"), None).await;
    assert_eq!((status, body.as_str()), (200, ""));
    let next = endpoint.tokens().refresh(token, "web").await.unwrap();
    let token = next.refresh_token.expose_secret();

    // Its own: 200, and the family is gone (a wrong hint changes nothing).
    let (status, _, _) =
        endpoint.post(&format!("token={token}&token_type_hint=access_token&client_id=web"), None).await;
    assert_eq!(status, 200);
    assert_eq!(endpoint.tokens().refresh(token, "web").await.unwrap_err(), TokenError::Revoked);

    // Unknown tokens and garbage: 200 alike.
    for token in ["rt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "garbage", "eyJhbGciOiJub25lIn0.e30."] {
        let (status, _, _) = endpoint.post(&format!("token={token}&client_id=web"), None).await;
        assert_eq!(status, 200, "{token}");
    }
}

#[tokio::test]
async fn confidential_clients_revoke_access_tokens_by_jti() {
    let endpoint = endpoint().await;
    let pair = endpoint.tokens().issue(&Grant::new(CallerId::home("u"), "backend")).await.unwrap();
    let access = pair.access_token.expose_secret();
    let validator = &endpoint.setup.validator;
    validator.validate_async(access).await.unwrap();

    // Another client may not revoke it (and learns nothing).
    let (status, _, _) = endpoint.post(&format!("token={access}&client_id=web"), None).await;
    assert_eq!(status, 200);
    validator.validate_async(access).await.unwrap();

    let (status, _, _) = endpoint
        .post(&format!("token={access}&token_type_hint=access_token"), Some("backend:s3cret-of-the-backend"))
        .await;
    assert_eq!(status, 200);
    assert_eq!(validator.validate_async(access).await.unwrap_err(), JwtError::Revoked);
    // Its refresh token still works: revoking an access token is just that.
    endpoint.tokens().refresh(pair.refresh_token.expose_secret(), "backend").await.unwrap();
}

#[tokio::test]
async fn bad_requests_and_bad_clients_are_refused() {
    let endpoint = endpoint().await;
    for basic in [Some("backend:wrong"), Some("nobody:s3cret-of-the-backend"), Some("web:"), None] {
        let (status, body, challenge) = endpoint.post("token=x", basic).await;
        assert_eq!((status, body.as_str()), (401, r#"{"error":"invalid_client"}"#), "{basic:?}");
        assert_eq!(challenge.as_deref(), Some("Basic realm=\"token\""));
    }
    // A public client id is not a confidential client's.
    let (status, _, _) = endpoint.post("token=x&client_id=backend", None).await;
    assert_eq!(status, 401);
    for body in ["client_id=web", "token=&client_id=web", "token=a&token=b&client_id=web"] {
        let (status, answer, _) = endpoint.post(body, None).await;
        assert_eq!((status, answer.as_str()), (400, r#"{"error":"invalid_request"}"#), "{body}");
    }
    let response =
        endpoint.http.post(&endpoint.url).json(&serde_json::json!({"token": "x", "client_id": "web"})).send().await;
    assert_eq!(response.unwrap().status().as_u16(), 400);
    let big = format!("client_id=web&token={}", "a".repeat(10_000));
    assert_eq!(endpoint.post(&big, None).await.0, 400);
}
