//! The `Authentication` layer over real HTTP on loopback: bearer JWTs and
//! API keys become a `Principal`; a refused credential is a 401, never an
//! anonymous request; credentials in query strings are refused.

use std::future::Future;

use apishield::Principal;
use apishield::auth::api_key::{
    ApiKey, ApiKeyEnvironment, ApiKeyHash, ApiKeyIssuer, ApiKeyKind, ApiKeyRecord, ApiKeyStore, ApiKeyStoreError,
    ApiKeyVerifier, MemoryApiKeyStore,
};
use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtIssuer, JwtKey, JwtSigningKey, JwtValidator};
use apishield::axum::Authentication;
use apishield_tests::http::serve;
use axum::Router;
use axum::routing::get;

const ISS: &str = "https://auth.example.com";
const AUD: &str = "orders-api";

async fn me(principal: Principal) -> String {
    let mut roles: Vec<_> = principal.roles().map(str::to_owned).collect();
    roles.sort();
    format!("{} {}", principal.subject(), roles.join(","))
}

async fn maybe(principal: Option<Principal>) -> String {
    principal.map_or_else(|| "anonymous".to_owned(), |p| p.subject().to_owned())
}

fn routes() -> Router {
    Router::new().route("/me", get(me)).route("/maybe", get(maybe))
}

struct Setup {
    base: String,
    jwt: JwtIssuer,
    keys: ApiKeyIssuer<MemoryApiKeyStore>,
}

async fn setup(configure: impl FnOnce(Authentication) -> Authentication) -> Setup {
    let secret = HmacSecret::generate().unwrap();
    let jwt = JwtIssuer::new(JwtSigningKey::hmac(JwtAlgorithm::HS256, &secret).unwrap(), ISS, AUD);
    let validator =
        JwtValidator::builder(JwtKey::hmac(JwtAlgorithm::HS256, &secret).unwrap()).issuer(ISS).audience(AUD).build();
    let store = MemoryApiKeyStore::new();
    let keys = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live);
    let auth =
        configure(Authentication::new().jwt(validator).api_keys(ApiKeyVerifier::new(store, ApiKeyEnvironment::Live)));
    let base = format!("http://{}", serve(routes().layer(auth)).await);
    Setup { base, jwt, keys }
}

struct Reply {
    status: u16,
    challenge: Option<String>,
    body: String,
}

async fn get_with(base: &str, path: &str, authorization: &[&str]) -> Reply {
    let mut req = reqwest::Client::new().get(format!("{base}{path}"));
    for value in authorization {
        req = req.header("authorization", *value);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let challenge = resp.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_owned());
    Reply { status, challenge, body: resp.text().await.unwrap() }
}

#[tokio::test]
async fn a_valid_jwt_or_api_key_makes_the_principal() {
    let s = setup(|a| a).await;
    let token = s.jwt.token("user-42").roles(["editor"]).sign().unwrap();
    let reply = get_with(&s.base, "/me", &[&format!("Bearer {}", token.expose_secret())]).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "user-42 editor"));

    let (key, _) = s.keys.issue(ApiKeyKind::Secret, "svc-billing", ["orders:read"]).await.unwrap();
    let reply = get_with(&s.base, "/me", &[&format!("ApiKey {}", key.expose_secret())]).await;
    assert_eq!((reply.status, reply.body.as_str()), (200, "svc-billing "));
}

#[tokio::test]
async fn no_credentials_is_anonymous_but_a_refused_one_is_never() {
    let s = setup(|a| a).await;
    assert_eq!(get_with(&s.base, "/maybe", &[]).await.body, "anonymous");
    assert_eq!(get_with(&s.base, "/me", &[]).await.status, 401);

    let token = s.jwt.token("user-42").sign().unwrap();
    let mut tampered = token.expose_secret().clone();
    tampered.pop();
    tampered.push(if token.expose_secret().ends_with('A') { 'B' } else { 'A' });
    let expired = s.jwt.token("user-42").issued_at(1_600_000_000).sign().unwrap();
    let (key, record) = s.keys.issue(ApiKeyKind::Secret, "svc", Vec::<String>::new()).await.unwrap();
    s.keys.revoke(record.hash()).await.unwrap();
    let test_key = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Test).unwrap();
    let unknown_key = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Live).unwrap();

    let bearer = |t: &str| format!("Bearer {t}");
    let refused: Vec<(&str, Vec<String>)> = vec![
        ("tampered jwt", vec![bearer(&tampered)]),
        ("expired jwt", vec![bearer(expired.expose_secret())]),
        ("alg none", vec![bearer("eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZG1pbiJ9.")]),
        ("revoked key", vec![format!("ApiKey {}", key.expose_secret())]),
        ("test key on a live server", vec![format!("ApiKey {}", test_key.expose_secret())]),
        ("unknown key", vec![format!("ApiKey {}", unknown_key.expose_secret())]),
        (
            "bad checksum",
            vec![format!("ApiKey {}x", &unknown_key.expose_secret()[..unknown_key.expose_secret().len() - 1])],
        ),
        ("basic", vec!["Basic dXNlcjpwYXNz".into()]),
        ("two spaces", vec![format!("Bearer  {}", token.expose_secret())]),
        ("two headers", vec![bearer(token.expose_secret()), bearer(token.expose_secret())]),
    ];
    let mut bodies = Vec::new();
    for (what, headers) in &refused {
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        // Also on the route that serves anonymous callers.
        let reply = get_with(&s.base, "/maybe", &headers).await;
        assert_eq!(reply.status, 401, "{what}");
        assert!(reply.challenge.as_deref().is_some_and(|c| c.contains("Bearer") && c.contains("ApiKey")), "{what}");
        bodies.push(reply.body);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "one generic body: {bodies:?}");
    assert!(!bodies[0].contains("expired") && !bodies[0].contains("revoked"), "{}", bodies[0]);

    let reply = get_with(&s.base, "/me", &[&bearer(expired.expose_secret())]).await;
    assert_eq!(reply.challenge.as_deref(), Some(r#"Bearer error="invalid_token", ApiKey"#));
}

#[tokio::test]
async fn only_the_configured_schemes_are_accepted() {
    let store = MemoryApiKeyStore::new();
    let keys = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live);
    let only_keys = Authentication::new().api_keys(ApiKeyVerifier::new(store, ApiKeyEnvironment::Live));
    let base = format!("http://{}", serve(routes().layer(only_keys)).await);

    let secret = HmacSecret::generate().unwrap();
    let jwt = JwtIssuer::new(JwtSigningKey::hmac(JwtAlgorithm::HS256, &secret).unwrap(), ISS, AUD);
    let token = jwt.issue("user-42").unwrap();
    let reply = get_with(&base, "/maybe", &[&format!("Bearer {}", token.expose_secret())]).await;
    assert_eq!((reply.status, reply.challenge.as_deref()), (401, Some("ApiKey")));

    let (key, _) = keys.issue(ApiKeyKind::Secret, "svc", ["a"]).await.unwrap();
    assert_eq!(get_with(&base, "/me", &[&format!("ApiKey {}", key.expose_secret())]).await.status, 200);
}

#[tokio::test]
async fn credentials_in_the_query_string_are_refused() {
    let s = setup(|a| a.allow_query_param("signature").refuse_query_param("otp")).await;
    let token = s.jwt.issue("user-42").unwrap();
    let (key, _) = s.keys.issue(ApiKeyKind::Secret, "svc", ["a"]).await.unwrap();
    let header = format!("Bearer {}", token.expose_secret());

    for query in [
        format!("access_token={}", token.expose_secret()),
        "api_key=whatever".to_owned(),
        "apiKey=whatever".to_owned(),
        "API-KEY=whatever".to_owned(),
        "otp=123456".to_owned(),
        format!("q={}", key.expose_secret()),
        format!("next={}", token.expose_secret()),
        "page=2&token=abc".to_owned(),
    ] {
        let reply = get_with(&s.base, &format!("/me?{query}"), &[&header]).await;
        assert_eq!(reply.status, 400, "{query}");
        assert!(reply.body.contains("credential_in_query"), "{query}: {}", reply.body);
        assert!(!reply.body.contains("whatever") && !reply.body.contains(key.expose_secret()), "{query}");
    }
    for query in ["page=2&sort=name", "signature=abc", "q=eyJ-not-a-token"] {
        assert_eq!(get_with(&s.base, &format!("/me?{query}"), &[&header]).await.status, 200, "{query}");
    }
}

/// A store that is down.
struct DownStore;

impl ApiKeyStore for DownStore {
    fn get(&self, _: &ApiKeyHash) -> impl Future<Output = Result<Option<ApiKeyRecord>, ApiKeyStoreError>> + Send {
        std::future::ready(Err(ApiKeyStoreError::new("connection refused")))
    }
    fn insert(&self, _: &ApiKeyRecord) -> impl Future<Output = Result<bool, ApiKeyStoreError>> + Send {
        std::future::ready(Err(ApiKeyStoreError::new("connection refused")))
    }
    fn revoke(&self, _: &ApiKeyHash, _: i64) -> impl Future<Output = Result<bool, ApiKeyStoreError>> + Send {
        std::future::ready(Err(ApiKeyStoreError::new("connection refused")))
    }
    fn rotate(
        &self,
        _: &ApiKeyHash,
        _: &ApiKeyRecord,
        _: i64,
    ) -> impl Future<Output = Result<bool, ApiKeyStoreError>> + Send {
        std::future::ready(Err(ApiKeyStoreError::new("connection refused")))
    }
}

#[tokio::test]
async fn an_unreachable_key_store_is_503_not_401() {
    let auth = Authentication::new().api_keys(ApiKeyVerifier::new(DownStore, ApiKeyEnvironment::Live));
    let base = format!("http://{}", serve(routes().layer(auth)).await);
    let key = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Live).unwrap();
    let reply = get_with(&base, "/me", &[&format!("ApiKey {}", key.expose_secret())]).await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert!(!reply.body.contains("connection refused"));
}
