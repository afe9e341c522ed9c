//! The `Authentication` layer over real HTTP on loopback: bearer JWTs and
//! API keys become a `Principal`; a refused credential is a 401, never an
//! anonymous request; refused credentials are throttled per client address
//! and per API-key prefix, by default, before anything is verified;
//! credentials in query strings are refused, in every spelling.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use apishield::Principal;
use apishield::auth::api_key::{
    ApiKey, ApiKeyEnvironment, ApiKeyHash, ApiKeyIssuer, ApiKeyKind, ApiKeyRecord, ApiKeyStore, ApiKeyStoreError,
    ApiKeyVerifier, MemoryApiKeyStore, PREFIX_LEN, RANDOM_LEN, checksum,
};
use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtIssuer, JwtKey, JwtSigningKey, JwtValidator};
use apishield::axum::{AuthenticationLayer, CREDENTIAL_QUERY_PARAMS, FailedAuthLimit};
use apishield::client_addr::TrustedProxies;
use apishield::rate_limit::{MemoryRateLimiter, RateLimitPolicy, RedisOptions, RedisRateLimiter, Window};
use apishield::store::BoxFuture;
use apishield_tests::http::{serve, serve_with_connect_info};
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

async fn setup(configure: impl FnOnce(AuthenticationLayer) -> AuthenticationLayer) -> Setup {
    let secret = HmacSecret::generate().unwrap();
    let jwt = JwtIssuer::new(JwtSigningKey::hmac(JwtAlgorithm::HS256, &secret).unwrap(), ISS, AUD);
    let validator =
        JwtValidator::builder(JwtKey::hmac(JwtAlgorithm::HS256, &secret).unwrap()).issuer(ISS).audience(AUD).build();
    let store = MemoryApiKeyStore::new();
    let keys = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live);
    let auth = configure(
        AuthenticationLayer::new().jwt(validator).api_keys(ApiKeyVerifier::new(store, ApiKeyEnvironment::Live)),
    );
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
    let only_keys = AuthenticationLayer::new().api_keys(ApiKeyVerifier::new(store, ApiKeyEnvironment::Live));
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

#[tokio::test]
async fn every_spelling_of_a_credential_in_the_query_string_is_refused() {
    let s = setup(|a| a).await;
    let token = s.jwt.issue("user-42").unwrap();
    let jwt = token.expose_secret().as_str();
    let (key, _) = s.keys.issue(ApiKeyKind::Secret, "svc", ["a"]).await.unwrap();
    let key = key.expose_secret();
    let header = format!("Bearer {jwt}");

    let refused: Vec<(&str, String)> = vec![
        ("x-api-key", "x-api-key=whatever".into()),
        ("X-Api-Key", "X-Api-Key=whatever".into()),
        ("x_api_key", "x_api_key=whatever".into()),
        ("api_token", "api_token=whatever".into()),
        ("apiToken", "apiToken=whatever".into()),
        ("apitoken", "apitoken=whatever".into()),
        ("auth", "auth=whatever".into()),
        ("authorization", "Authorization=whatever".into()),
        ("bearer", "bearer=whatever".into()),
        ("private_key", "private_key=whatever".into()),
        ("private-key", "private-key=whatever".into()),
        ("brackets", "api_key[]=whatever".into()),
        ("encoded brackets", "api_key%5B%5D=whatever".into()),
        ("indexed brackets", "token[0]=whatever".into()),
        ("nested", "auth%5Btoken%5D=whatever".into()),
        ("nested credential", "user[password]=whatever".into()),
        ("trailing NUL", "api_key%00=whatever".into()),
        ("NUL then junk", "token%00.png=whatever".into()),
        ("trailing tab", "api_key%09=whatever".into()),
        ("leading space", "%20api_key=whatever".into()),
        ("plus as space", "+access_token+=whatever".into()),
        ("control inside", "api%01_key=whatever".into()),
        ("bearer jwt", format!("q=Bearer%20{jwt}")),
        ("bearer jwt, plus", format!("q=bearer+{jwt}")),
        ("bearer opaque", "q=Bearer%20opaque-token-0123".into()),
        ("apikey scheme", format!("q=ApiKey%20{key}")),
        ("apikey scheme, opaque", "q=APIKEY+abcdefgh12345".into()),
        ("basic", "q=Basic%20dXNlcjpwYXNz".into()),
        ("basic, lowercase", "q=basic+dXNlcjpwYXNzd29yZA%3D%3D".into()),
        ("padded jwt", format!("q=%20%09{jwt}%20")),
        ("jwt, newline", format!("q={jwt}%0A")),
        ("jwt, NUL", format!("q={jwt}%00")),
        ("padded key", format!("q=+{key}+")),
        ("percent-encoded jwt", format!("q={}", jwt.replace('.', "%2E"))),
        ("jwe", "q=eyJhbGciOiJSU0EtT0FFUCJ9.a2V5.aXY.Y2lwaGVy.dGFn".into()),
    ];
    for (what, query) in &refused {
        let reply = get_with(&s.base, &format!("/me?page=1&{query}"), &[&header]).await;
        assert_eq!(reply.status, 400, "{what}: {query}");
        assert!(reply.body.contains("credential_in_query"), "{what}: {}", reply.body);
        assert!(!reply.body.contains("whatever") && !reply.body.contains(jwt) && !reply.body.contains(key), "{what}");
    }
    let accepted = [
        "q=basic+training",
        "q=bearer+of+bad+news",
        "q=Bearer+short",
        "q=Basic+aGVsbG8%3D",
        "author=ada",
        "authored_by=ada",
        "keyword=rust",
        "tokens_left=3",
        "sort%5Bname%5D=asc",
        "q=eyJ-not-a-token",
    ];
    for query in accepted {
        assert_eq!(get_with(&s.base, &format!("/me?{query}"), &[&header]).await.status, 200, "{query}");
    }
}

mod query_properties {
    use super::*;
    use proptest::prelude::*;

    /// Every byte percent-encoded: what a client may send for any text.
    fn encode(text: &str) -> String {
        text.bytes().map(|b| format!("%{b:02X}")).collect()
    }

    /// A spelling of `name`: snake, kebab, dotted, camel or upper case.
    fn spell(name: &str, style: u8) -> String {
        match style % 5 {
            0 => name.to_owned(),
            1 => name.replace('_', "-"),
            2 => name.replace('_', ".").to_uppercase(),
            3 => {
                let mut out = String::new();
                let mut upper = false;
                for c in name.chars() {
                    if c == '_' {
                        upper = true;
                    } else if upper {
                        out.extend(c.to_uppercase());
                        upper = false;
                    } else {
                        out.push(c);
                    }
                }
                out
            }
            _ => name.to_uppercase().replace('_', "-"),
        }
    }

    fn padding() -> impl Strategy<Value = String> {
        prop::collection::vec(prop_oneof![Just(' '), Just('\t'), Just('\u{1}'), Just('\u{7f}'), Just('\n')], 0..3)
            .prop_map(|v| v.into_iter().collect())
    }

    fn suffix() -> impl Strategy<Value = &'static str> {
        prop_oneof![Just(""), Just("[]"), Just("[0]"), Just("\0"), Just("\0.txt")]
    }

    fn refused(query: &str) -> bool {
        let auth = AuthenticationLayer::new();
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let result = rt.block_on(auth.authenticate(&axum::http::HeaderMap::new(), Some(query)));
        match result {
            Err(rejection) => rejection.status() == 400,
            Ok(_) => false,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn credential_names_are_refused_however_spelled(
            index in 0..CREDENTIAL_QUERY_PARAMS.len(),
            style in any::<u8>(),
            before in padding(),
            after in padding(),
            suffix in suffix(),
            value in "[a-z0-9]{0,12}",
        ) {
            let name = format!("{before}{}{after}{suffix}", spell(CREDENTIAL_QUERY_PARAMS[index], style));
            prop_assert!(refused(&format!("page=1&{}={value}", encode(&name))), "{name:?}");
        }

        #[test]
        fn authorization_values_and_tokens_are_refused_however_padded(
            scheme in prop_oneof![Just("Bearer"), Just("bearer"), Just("BEARER"), Just("ApiKey"), Just("apikey")],
            token in "[A-Za-z0-9_-]{8,40}",
            jwt in "eyJ[A-Za-z0-9_-]{1,30}\\.[A-Za-z0-9_-]{1,30}\\.[A-Za-z0-9_-]{0,30}",
            gap in "[ \t]{1,3}",
            before in padding(),
            after in padding(),
            which in 0u8..3,
        ) {
            let value = match which {
                0 => format!("{before}{scheme}{gap}{token}{after}"),
                1 => format!("{before}{scheme}{gap}{jwt}{after}"),
                _ => format!("{before}{jwt}{after}"),
            };
            prop_assert!(refused(&format!("q={}", encode(&value))), "{value:?}");
        }

        #[test]
        fn ordinary_parameters_pass(
            names in prop::collection::vec("q[0-9]{0,2}[a-z]{0,8}", 1..4),
            values in prop::collection::vec("[a-z0-9 ]{0,20}", 4),
        ) {
            let query: Vec<String> =
                names.iter().zip(&values).map(|(n, v)| format!("{}={}", encode(n), encode(v))).collect();
            prop_assert!(!refused(&query.join("&")), "{query:?}");
        }
    }
}

/// A store that is down.
struct DownStore;

impl ApiKeyStore for DownStore {
    fn get<'a>(&'a self, _: &'a ApiKeyHash) -> BoxFuture<'a, Result<Option<ApiKeyRecord>, ApiKeyStoreError>> {
        Box::pin(std::future::ready(Err(ApiKeyStoreError::new("connection refused"))))
    }
    fn insert<'a>(&'a self, _: &'a ApiKeyRecord) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
        Box::pin(std::future::ready(Err(ApiKeyStoreError::new("connection refused"))))
    }
    fn revoke<'a>(&'a self, _: &'a ApiKeyHash, _: i64) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
        Box::pin(std::future::ready(Err(ApiKeyStoreError::new("connection refused"))))
    }
    fn rotate<'a>(
        &'a self,
        _: &'a ApiKeyHash,
        _: &'a ApiKeyRecord,
        _: i64,
    ) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
        Box::pin(std::future::ready(Err(ApiKeyStoreError::new("connection refused"))))
    }
}

#[tokio::test]
async fn an_unreachable_key_store_is_503_not_401() {
    let auth = AuthenticationLayer::new().api_keys(ApiKeyVerifier::new(DownStore, ApiKeyEnvironment::Live));
    let base = format!("http://{}", serve(routes().layer(auth)).await);
    let key = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Live).unwrap();
    let reply = get_with(&base, "/me", &[&format!("ApiKey {}", key.expose_secret())]).await;
    assert_eq!(reply.status, 503, "{}", reply.body);
    assert!(!reply.body.contains("connection refused"));
}

/// A key store that counts its lookups: what each guess costs the server.
#[derive(Clone)]
struct CountingStore {
    inner: MemoryApiKeyStore,
    lookups: Arc<AtomicUsize>,
}

impl ApiKeyStore for CountingStore {
    fn get<'a>(&'a self, hash: &'a ApiKeyHash) -> BoxFuture<'a, Result<Option<ApiKeyRecord>, ApiKeyStoreError>> {
        self.lookups.fetch_add(1, Ordering::SeqCst);
        self.inner.get(hash)
    }
    fn insert<'a>(&'a self, record: &'a ApiKeyRecord) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
        self.inner.insert(record)
    }
    fn revoke<'a>(&'a self, hash: &'a ApiKeyHash, at: i64) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
        self.inner.revoke(hash, at)
    }
    fn rotate<'a>(
        &'a self,
        old: &'a ApiKeyHash,
        new: &'a ApiKeyRecord,
        grace_until: i64,
    ) -> BoxFuture<'a, Result<bool, ApiKeyStoreError>> {
        self.inner.rotate(old, new, grace_until)
    }
}

/// A server whose `Authentication` (configured by `configure`) sees the
/// client address (`ConnectInfo`), with a store that counts lookups.
struct Served {
    base: String,
    jwt: JwtIssuer,
    keys: ApiKeyIssuer<CountingStore>,
    lookups: Arc<AtomicUsize>,
}

async fn serve_counting(configure: impl FnOnce(AuthenticationLayer) -> AuthenticationLayer) -> Served {
    let secret = HmacSecret::generate().unwrap();
    let jwt = JwtIssuer::new(JwtSigningKey::hmac(JwtAlgorithm::HS256, &secret).unwrap(), ISS, AUD);
    let validator =
        JwtValidator::builder(JwtKey::hmac(JwtAlgorithm::HS256, &secret).unwrap()).issuer(ISS).audience(AUD).build();
    let lookups = Arc::new(AtomicUsize::new(0));
    let store = CountingStore { inner: MemoryApiKeyStore::new(), lookups: lookups.clone() };
    let keys = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live);
    let auth = configure(
        AuthenticationLayer::new().jwt(validator).api_keys(ApiKeyVerifier::new(store, ApiKeyEnvironment::Live)),
    );
    let base = format!("http://{}", serve_with_connect_info(routes().layer(auth)).await);
    Served { base, jwt, keys, lookups }
}

/// A client whose connections come from `ip` (any 127.x.y.z is loopback).
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder().local_address(ip.parse::<IpAddr>().unwrap()).build().unwrap()
}

struct Answer {
    status: u16,
    retry_after: Option<u64>,
    body: String,
}

async fn send(client: &reqwest::Client, url: &str, headers: &[(&str, &str)]) -> Answer {
    let mut req = client.get(url);
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let retry_after = resp.headers().get("retry-after").map(|v| v.to_str().unwrap().parse().unwrap());
    Answer { status, retry_after, body: resp.text().await.unwrap() }
}

/// A bearer token signed with a key the server does not know.
fn forged_jwt() -> String {
    let secret = HmacSecret::generate().unwrap();
    let forger = JwtIssuer::new(JwtSigningKey::hmac(JwtAlgorithm::HS256, &secret).unwrap(), ISS, AUD);
    format!("Bearer {}", forger.issue("admin").unwrap().expose_secret())
}

/// A well-formed live key (valid checksum) that was never issued, with the
/// display prefix `prefix` if given.
fn forged_key(prefix: Option<&str>, n: usize) -> String {
    let random = ApiKey::generate(ApiKeyKind::Secret, ApiKeyEnvironment::Live).unwrap();
    let mut body = random.expose_secret()[..PREFIX_LEN + RANDOM_LEN].to_owned();
    if let Some(prefix) = prefix {
        body.replace_range(..prefix.len(), prefix);
    }
    // Vary the last random characters so that every forgery is distinct.
    let tail = format!("{n:06}");
    body.replace_range(body.len() - tail.len().., &tail);
    let key = format!("{body}{}", checksum(body.as_bytes()));
    assert!(ApiKey::parse(&key).is_ok());
    format!("ApiKey {key}")
}

#[tokio::test]
async fn forged_credentials_from_one_address_are_throttled_by_default_before_verification() {
    let s = serve_counting(|a| a).await;
    let me = format!("{}/me", s.base);
    let attacker = client_from("127.0.0.2");
    let mut answers = Vec::new();
    for i in 0..60 {
        let header = if i % 2 == 0 { forged_jwt() } else { forged_key(None, i) };
        answers.push(send(&attacker, &me, &[("authorization", &header)]).await);
    }
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(&statuses[..10], &[401; 10], "the default budget: 10 refused credentials per minute");
    assert_eq!(&statuses[10..], &[429; 50][..]);
    for refused in &answers[10..] {
        assert!(refused.retry_after.is_some_and(|s| (1..=120).contains(&s)), "{:?}", refused.retry_after);
        assert!(refused.body.contains("authentication_throttled"), "{}", refused.body);
    }
    // Only the first five forged keys reached the store: a throttled
    // guess costs no lookup (and no signature check).
    assert_eq!(s.lookups.load(Ordering::SeqCst), 5);

    // From the throttled address even a valid credential is not looked at.
    let (key, _) = s.keys.issue(ApiKeyKind::Secret, "svc", ["a"]).await.unwrap();
    let valid_key = format!("ApiKey {}", key.expose_secret());
    assert_eq!(send(&attacker, &me, &[("authorization", &valid_key)]).await.status, 429);
    assert_eq!(s.lookups.load(Ordering::SeqCst), 5);
    // Requests without credentials are not the throttle's business.
    assert_eq!(send(&attacker, &format!("{}/maybe", s.base), &[]).await.status, 200);

    // Another address is not affected.
    let other = client_from("127.0.0.3");
    let token = format!("Bearer {}", s.jwt.issue("user-42").unwrap().expose_secret());
    assert_eq!(send(&other, &me, &[("authorization", &token)]).await.status, 200);
    assert_eq!(send(&other, &me, &[("authorization", &valid_key)]).await.status, 200);
}

#[tokio::test]
async fn accepted_credentials_spend_nothing_of_the_budget() {
    let s = serve_counting(|a| a).await;
    let me = format!("{}/me", s.base);
    let client = client_from("127.0.0.4");
    let token = format!("Bearer {}", s.jwt.issue("user-42").unwrap().expose_secret());
    for _ in 0..40 {
        assert_eq!(send(&client, &me, &[("authorization", &token)]).await.status, 200);
    }
    for i in 0..10 {
        assert_eq!(send(&client, &me, &[("authorization", &forged_jwt())]).await.status, 401, "refusal {i}");
    }
    assert_eq!(send(&client, &me, &[("authorization", &forged_jwt())]).await.status, 429);
}

#[tokio::test]
async fn one_api_key_guessed_at_from_many_addresses_is_throttled() {
    let s = serve_counting(|a| a).await;
    let me = format!("{}/me", s.base);
    let (victim, _) = s.keys.issue(ApiKeyKind::Secret, "svc-victim", ["a"]).await.unwrap();
    let prefix = victim.display_prefix().to_owned();
    let mut statuses = Vec::new();
    for i in 0..25 {
        // One guess from each address: no address reaches its own budget.
        let client = client_from(&format!("127.0.1.{}", i + 1));
        statuses.push(send(&client, &me, &[("authorization", &forged_key(Some(&prefix), i))]).await.status);
    }
    assert_eq!(&statuses[..20], &[401; 20], "the default budget: 20 refused keys per prefix and minute");
    assert_eq!(&statuses[20..], &[429; 5]);
    assert_eq!(s.lookups.load(Ordering::SeqCst), 20);
    // The cost of counting per prefix: the real key with that prefix waits too.
    let fresh = client_from("127.0.2.1");
    let victim_header = format!("ApiKey {}", victim.expose_secret());
    assert_eq!(send(&fresh, &me, &[("authorization", &victim_header)]).await.status, 429);
    // Keys with other prefixes are not affected.
    let (other, _) = s.keys.issue(ApiKeyKind::Secret, "svc-other", ["a"]).await.unwrap();
    assert_ne!(other.display_prefix(), prefix);
    let other_header = format!("ApiKey {}", other.expose_secret());
    assert_eq!(send(&fresh, &me, &[("authorization", &other_header)]).await.status, 200);
}

#[tokio::test]
async fn the_failure_budget_is_configurable_and_can_be_turned_off() {
    let off = serve_counting(|a| a.failed_attempts(FailedAuthLimit::off())).await;
    let client = client_from("127.0.0.5");
    for _ in 0..30 {
        let answer = send(&client, &format!("{}/me", off.base), &[("authorization", &forged_jwt())]).await;
        assert_eq!(answer.status, 401);
    }

    let three = RateLimitPolicy::new(Default::default(), [Window::per_minute(3)]).unwrap();
    let strict = serve_counting(|a| {
        a.failed_attempts(FailedAuthLimit::new().per_client(MemoryRateLimiter::new(three)).without_per_key())
    })
    .await;
    let url = format!("{}/me", strict.base);
    let statuses: Vec<u16> = {
        let mut v = Vec::new();
        for _ in 0..5 {
            v.push(send(&client, &url, &[("authorization", &forged_jwt())]).await.status);
        }
        v
    };
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
}

#[tokio::test]
async fn two_servers_share_the_failure_budget_through_redis() {
    let Some(url) = apishield_tests::redis_url() else { return };
    let prefix = apishield_tests::unique_prefix("authfail");
    let options = RedisOptions::default().timeout(std::time::Duration::from_secs(5));
    let policy = RateLimitPolicy::new(Default::default(), [Window::per_minute(4)]).unwrap();
    let mut servers = Vec::new();
    for _ in 0..2 {
        // Each server its own limiter and connection, as two processes.
        let limiter = RedisRateLimiter::connect(&url, policy.clone(), options.clone()).await.unwrap().prefix(&prefix);
        let limit = FailedAuthLimit::new().per_client(limiter).without_per_key();
        servers.push(serve_counting(move |a| a.failed_attempts(limit)).await);
    }
    let client = client_from("127.0.0.6");
    let mut statuses = Vec::new();
    for i in 0..6 {
        let server = &servers[i % 2];
        statuses.push(send(&client, &format!("{}/me", server.base), &[("authorization", &forged_jwt())]).await.status);
    }
    assert_eq!(statuses, [401, 401, 401, 401, 429, 429], "one budget across both servers");
    let token = format!("Bearer {}", servers[1].jwt.issue("user-42").unwrap().expose_secret());
    let elsewhere = client_from("127.0.0.7");
    assert_eq!(send(&elsewhere, &format!("{}/me", servers[1].base), &[("authorization", &token)]).await.status, 200);

    let mut conn = redis::Client::open(url.as_str()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{prefix}*")).query_async(&mut conn).await.unwrap();
    assert!(!keys.is_empty() && keys.iter().all(|k| k.contains("authfail/ip:127.0.0.6")), "{keys:?}");
    let _: i64 = redis::cmd("DEL").arg(&keys).query_async(&mut conn).await.unwrap();
}

/// The throttle skips its budget reads while a process-local limiter knows
/// nothing was spent (`RateLimiter::untouched`). A server that has refused
/// nothing itself must still refuse a client whose budget another server
/// spent through Redis, a valid credential included.
#[tokio::test]
async fn a_server_that_refused_nothing_still_sees_the_budget_spent_through_redis() {
    let Some(url) = apishield_tests::redis_url() else { return };
    let prefix = apishield_tests::unique_prefix("authfail-quiet");
    let options = RedisOptions::default().timeout(std::time::Duration::from_secs(5));
    let policy = RateLimitPolicy::new(Default::default(), [Window::per_minute(3)]).unwrap();
    let mut servers = Vec::new();
    for _ in 0..2 {
        let limiter = RedisRateLimiter::connect(&url, policy.clone(), options.clone()).await.unwrap().prefix(&prefix);
        let limit = FailedAuthLimit::new().per_client(limiter).without_per_key();
        servers.push(serve_counting(move |a| a.failed_attempts(limit)).await);
    }
    let client = client_from("127.0.0.8");
    let first = format!("{}/me", servers[0].base);
    for _ in 0..3 {
        assert_eq!(send(&client, &first, &[("authorization", &forged_jwt())]).await.status, 401);
    }
    let second = format!("{}/me", servers[1].base);
    assert_eq!(send(&client, &second, &[("authorization", &forged_jwt())]).await.status, 429);
    let token = format!("Bearer {}", servers[1].jwt.issue("user-42").unwrap().expose_secret());
    assert_eq!(send(&client, &second, &[("authorization", &token)]).await.status, 429, "not even a valid token");

    let mut conn = redis::Client::open(url.as_str()).unwrap().get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{prefix}*")).query_async(&mut conn).await.unwrap();
    if !keys.is_empty() {
        let _: i64 = redis::cmd("DEL").arg(&keys).query_async(&mut conn).await.unwrap();
    }
}

#[tokio::test]
async fn behind_trusted_proxies_the_reported_client_is_counted() {
    // The test client connects from 127.0.0.1: a proxy in a trusted network.
    let proxies = TrustedProxies::parse(["127.0.0.0/8"]).unwrap();
    let s = serve_counting(|a| a.trusted_proxies(proxies)).await;
    let me = format!("{}/me", s.base);
    let proxy = reqwest::Client::new();
    for i in 0..11 {
        let header = forged_jwt();
        let answer = send(&proxy, &me, &[("authorization", &header), ("x-forwarded-for", "203.0.113.1:5555")]).await;
        assert_eq!(answer.status, if i < 10 { 401 } else { 429 }, "refusal {i}");
    }
    let token = format!("Bearer {}", s.jwt.issue("user-42").unwrap().expose_secret());
    let other = [("authorization", token.as_str()), ("x-forwarded-for", "6.6.6.6, 203.0.113.2")];
    assert_eq!(send(&proxy, &me, &other).await.status, 200, "another client behind the same proxy");
    let spoofed = [("authorization", token.as_str()), ("x-forwarded-for", "203.0.113.2, 203.0.113.1")];
    assert_eq!(send(&proxy, &me, &spoofed).await.status, 429, "a client cannot choose its entry");
    // A header that names no client is refused before any verification.
    let garbage = [("authorization", token.as_str()), ("x-forwarded-for", "garbage")];
    let answer = send(&proxy, &me, &garbage).await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("invalid_forwarded_header"), "{}", answer.body);
}
