//! `RemoteJwks` against an identity provider on loopback: a small axum
//! server whose answers the tests set and whose requests they count.
//! Rotation, outage, a flood of unknown `kid`s, oversized and malformed
//! answers, discovery, `Cache-Control`. The schedule runs on a
//! `ManualClock`, so the assertions are on request counts, never on time.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use apishield::Principal;
use apishield::auth::jwt::{
    ExternalIssuer, JwksError, JwtAlgorithm, JwtError, JwtIssuer, JwtKeyError, JwtSigningKey, JwtValidator, RemoteJwks,
};
use apishield::axum::{AuthenticationLayer, FailedAuthLimit};
use apishield::time::ManualClock;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::http::header::{AGE, CACHE_CONTROL, LOCATION};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey};

use crate::support::{AUD, ISS, b64, claims, fixture};

const RS256: JwtAlgorithm = JwtAlgorithm::RS256;

/// What the provider answers, set by the test.
#[derive(Clone)]
struct Reply {
    status: u16,
    body: String,
    cache_control: Option<String>,
    age: Option<String>,
    location: Option<String>,
}

impl Reply {
    fn ok(body: impl Into<String>) -> Reply {
        Reply { status: 200, body: body.into(), cache_control: None, age: None, location: None }
    }

    fn cache_control(mut self, value: &str) -> Reply {
        self.cache_control = Some(value.to_owned());
        self
    }
}

/// The identity provider: `/jwks`, `/.well-known/openid-configuration`, and
/// `/moved` that redirects to `/jwks`.
struct Provider {
    addr: SocketAddr,
    jwks: Mutex<Reply>,
    discovery: Mutex<Reply>,
    jwks_hits: AtomicUsize,
    discovery_hits: AtomicUsize,
}

impl Provider {
    async fn start(jwks: Reply) -> Arc<Provider> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let provider = Arc::new(Provider {
            addr: listener.local_addr().unwrap(),
            jwks: Mutex::new(jwks),
            discovery: Mutex::new(Reply::ok("{}")),
            jwks_hits: AtomicUsize::new(0),
            discovery_hits: AtomicUsize::new(0),
        });
        let app = Router::new()
            .route("/jwks", get(serve_jwks))
            .route("/moved", get(|| async { (StatusCode::FOUND, [(LOCATION, "/jwks")]) }))
            .route("/slow", get(|| async { tokio::time::sleep(Duration::from_secs(3600)).await }))
            .route("/endless", get(endless))
            .route("/.well-known/openid-configuration", get(serve_discovery))
            .with_state(Arc::clone(&provider));
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        provider
    }

    fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn url(&self) -> String {
        format!("{}/jwks", self.base())
    }

    fn set(&self, reply: Reply) {
        *self.jwks.lock().unwrap() = reply;
    }

    fn hits(&self) -> usize {
        self.jwks_hits.load(Ordering::SeqCst)
    }
}

fn respond(reply: Reply) -> Response {
    let mut response = (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
    let headers = response.headers_mut();
    headers.insert("content-type", "application/json".parse().unwrap());
    if let Some(value) = reply.cache_control {
        headers.insert(CACHE_CONTROL, value.parse().unwrap());
    }
    if let Some(value) = reply.age {
        headers.insert(AGE, value.parse().unwrap());
    }
    if let Some(value) = reply.location {
        headers.insert(LOCATION, value.parse().unwrap());
    }
    response
}

async fn serve_jwks(State(provider): State<Arc<Provider>>) -> Response {
    provider.jwks_hits.fetch_add(1, Ordering::SeqCst);
    let reply = provider.jwks.lock().unwrap().clone();
    respond(reply)
}

/// A 200 without `Content-Length` whose body never ends: the limit must be
/// checked while reading.
async fn endless() -> Response {
    let chunk = axum::body::Bytes::from(vec![b' '; 16 * 1024]);
    let body = futures_util::stream::repeat(Ok::<_, std::convert::Infallible>(chunk));
    Response::new(axum::body::Body::from_stream(body))
}

async fn serve_discovery(State(provider): State<Arc<Provider>>) -> Response {
    provider.discovery_hits.fetch_add(1, Ordering::SeqCst);
    let reply = provider.discovery.lock().unwrap().clone();
    respond(reply)
}

/// The provider's signing keys: `k1` (the test RSA key) and `k2` (the other one).
fn signing_key(kid: &str) -> JwtSigningKey {
    let pem = match kid {
        "k1" => fixture("test_rsa_private.pem"),
        _ => fixture("test_rsa_other_private.pem"),
    };
    JwtSigningKey::from_pem(RS256, &pem).unwrap().with_kid(kid).unwrap()
}

/// The public JWK of `signing_key(kid)`, as the provider publishes it.
fn jwk(kid: &str) -> serde_json::Value {
    let pem = match kid {
        "k1" => fixture("test_rsa_private.pem"),
        _ => fixture("test_rsa_other_private.pem"),
    };
    let mut jwk = Jwk::from_encoding_key(&EncodingKey::from_rsa_pem(&pem).unwrap(), Algorithm::RS256).unwrap();
    jwk.common.key_id = Some(kid.to_owned());
    let mut value = serde_json::to_value(jwk).unwrap();
    value["use"] = "sig".into();
    value
}

fn set_of(kids: &[&str]) -> String {
    serde_json::json!({ "keys": kids.iter().map(|kid| jwk(kid)).collect::<Vec<_>>() }).to_string()
}

fn token(kid: &str, issuer: &str) -> String {
    JwtIssuer::new(signing_key(kid), issuer, AUD).issue("user-42").unwrap().expose_secret().clone()
}

/// A token whose `kid` no provider published: its signature is never
/// checked (the key lookup fails first), so it costs an attacker nothing.
fn token_with_unknown_kid(n: usize) -> String {
    let header = format!(r#"{{"alg":"RS256","typ":"JWT","kid":"attacker-{n}"}}"#);
    format!("{}.{}.{}", b64(header.as_bytes()), b64(claims("").as_bytes()), b64(&[7u8; 256]))
}

/// A `RemoteJwks` on `provider`'s `/jwks`, on a manual clock, without the
/// background task: the test drives the schedule.
async fn remote(provider: &Provider, clock: &ManualClock) -> RemoteJwks {
    RemoteJwks::jwks_uri(provider.url(), [RS256])
        .allow_loopback_http()
        .clock(clock.clone())
        .background_refresh(false)
        .fetch()
        .await
        .unwrap()
}

fn validator(keys: &RemoteJwks) -> JwtValidator {
    JwtValidator::builder(keys.clone()).issuer(ISS).audience(AUD).build()
}

fn clock() -> ManualClock {
    ManualClock::from_secs(1_800_000_000)
}

#[tokio::test]
async fn rotation_at_the_provider_new_kid_after_one_refetch_old_kid_gone_after_refresh() {
    let provider = Provider::start(Reply::ok(set_of(&["k1"]))).await;
    let clock = clock();
    let jwks = remote(&provider, &clock).await;
    let validator = validator(&jwks);
    assert_eq!(provider.hits(), 1);
    assert!(validator.validate_async(&token("k1", ISS)).await.is_ok());

    // The provider adds k2 and signs with it. Right after a fetch, an
    // unknown kid does not fetch again (that is what bounds a flood)...
    provider.set(Reply::ok(set_of(&["k1", "k2"])));
    let new = token("k2", ISS);
    assert_eq!(validator.validate_async(&new).await.unwrap_err(), JwtError::UnknownKid);
    assert_eq!(provider.hits(), 1);
    // ... once the refetch interval (30 s) has passed, it does, once, and the token passes.
    clock.advance(Duration::from_secs(30));
    assert_eq!(validator.validate_async(&new).await.unwrap().subject(), "user-42");
    assert_eq!(provider.hits(), 2);
    assert!(validator.validate_async(&token("k1", ISS)).await.is_ok(), "the old key is still published");
    assert_eq!(provider.hits(), 2, "known kids never fetch");

    // The provider removes k1: gone at the next scheduled refresh (after
    // 9/10 of the 10 min default lifetime).
    provider.set(Reply::ok(set_of(&["k2"])));
    clock.advance(Duration::from_secs(530));
    assert!(!jwks.refresh_if_due().await.unwrap(), "not due yet");
    clock.advance(Duration::from_secs(10));
    assert!(jwks.refresh_if_due().await.unwrap());
    assert_eq!(provider.hits(), 3);
    assert_eq!(validator.validate_async(&token("k1", ISS)).await.unwrap_err(), JwtError::UnknownKid);
    assert!(validator.validate_async(&new).await.is_ok());
    assert_eq!(provider.hits(), 3, "just refreshed: the removed kid fetches nothing");
    assert_eq!(jwks.status().fetches, 3);
}

#[tokio::test]
async fn a_provider_moving_to_another_algorithm_is_picked_up_like_a_new_kid() {
    let provider = Provider::start(Reply::ok(set_of(&["k1"]))).await;
    let clock = clock();
    let jwks = RemoteJwks::jwks_uri(provider.url(), [RS256, JwtAlgorithm::ES256])
        .allow_loopback_http()
        .clock(clock.clone())
        .background_refresh(false)
        .fetch()
        .await
        .unwrap();
    let validator = validator(&jwks);
    let ec_private = fixture("test_ec_p256_private.pem");
    let ec = JwtSigningKey::from_pem(JwtAlgorithm::ES256, &ec_private).unwrap().with_kid("e1").unwrap();
    let ec_token = JwtIssuer::new(ec, ISS, AUD).issue("user-42").unwrap().expose_secret().clone();
    // The cached set has no ES256 key at all.
    assert_eq!(validator.validate_async(&ec_token).await.unwrap_err(), JwtError::AlgorithmNotAllowed);

    let mut e1 = Jwk::from_encoding_key(&EncodingKey::from_ec_pem(&ec_private).unwrap(), Algorithm::ES256).unwrap();
    e1.common.key_id = Some("e1".to_owned());
    let set = serde_json::json!({ "keys": [jwk("k1"), serde_json::to_value(e1).unwrap()] });
    provider.set(Reply::ok(set.to_string()));
    clock.advance(Duration::from_secs(30));
    assert!(validator.validate_async(&ec_token).await.is_ok());
    assert_eq!(provider.hits(), 2);
    // An HS256 token naming a known key is still refused, and fetches nothing.
    clock.advance(Duration::from_secs(30));
    let header = b64(br#"{"alg":"HS256","kid":"k1"}"#);
    let forged = format!("{header}.{}.{}", b64(claims("").as_bytes()), b64(&[1u8; 32]));
    assert_eq!(validator.validate_async(&forged).await.unwrap_err(), JwtError::AlgorithmNotAllowed);
    assert_eq!(provider.hits(), 2);
}

#[tokio::test]
async fn the_synchronous_validate_starts_the_refetch_in_the_background() {
    let provider = Provider::start(Reply::ok(set_of(&["k1"]))).await;
    let clock = clock();
    let jwks = remote(&provider, &clock).await;
    let validator = validator(&jwks);
    provider.set(Reply::ok(set_of(&["k1", "k2"])));
    clock.advance(Duration::from_secs(31));
    let new = token("k2", ISS);
    assert_eq!(validator.validate(&new).unwrap_err(), JwtError::UnknownKid);
    // The refetch runs in a task of this runtime: wait for it (bounded).
    for _ in 0..200 {
        if jwks.keys().kids().any(|kid| kid == "k2") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(validator.validate(&new).is_ok());
    assert_eq!(provider.hits(), 2);
}

#[tokio::test]
async fn provider_outage_keeps_the_last_good_set_and_unknown_kids_stay_401() {
    let provider = Provider::start(Reply::ok(set_of(&["k1"]))).await;
    let clock = clock();
    let jwks = remote(&provider, &clock).await;
    let validator = validator(&jwks);
    let good = token("k1", ISS);

    let oversized = format!(r#"{{"keys":[],"padding":"{}"}}"#, "x".repeat(300 * 1024));
    let outages = [
        (Reply { status: 503, ..Reply::ok("down") }, JwksError::Status(503)),
        (Reply::ok("<html>maintenance</html>"), JwksError::InvalidDocument),
        (Reply::ok(r#"{"keys":"#), JwksError::InvalidDocument),
        (Reply::ok(oversized), JwksError::TooLarge),
        (Reply::ok(r#"{"keys":[]}"#), JwksError::Keys(JwtKeyError::NoKeys)),
        (
            Reply::ok(r#"{"keys":[{"kty":"oct","kid":"k1","k":"c2VjcmV0"}]}"#),
            JwksError::Keys(JwtKeyError::PrivateKeyMaterial),
        ),
    ];
    for (n, (reply, expected)) in outages.into_iter().enumerate() {
        provider.set(reply);
        clock.advance(Duration::from_secs(600));
        assert_eq!(jwks.refresh().await.unwrap_err(), expected);
        assert_eq!(jwks.status().last_error, Some(expected));
        // Each round: this refresh and the unknown kid's refetch below.
        assert_eq!(jwks.status().failed_fetches, 2 * n as u64 + 1);
        assert!(validator.validate_async(&good).await.is_ok(), "last good set kept after {expected:?}");
        // An unknown kid during the outage: one refetch, which fails, and a 401 reason.
        clock.advance(Duration::from_secs(600));
        assert_eq!(validator.validate_async(&token_with_unknown_kid(n)).await.unwrap_err(), JwtError::UnknownKid);
    }
    assert_eq!(jwks.keys().len(), 1);
    assert_eq!(provider.hits(), 1 + 2 * 6);

    // Back up: the next refresh takes the new set.
    provider.set(Reply::ok(set_of(&["k1", "k2"])));
    jwks.refresh().await.unwrap();
    assert_eq!(jwks.status().last_error, None);
    assert_eq!(jwks.keys().len(), 2);
}

#[tokio::test]
async fn a_provider_that_stops_listening_is_unreachable_and_the_set_stays() {
    let provider = Provider::start(Reply::ok(set_of(&["k1"]))).await;
    // A port that was just free: nothing listens there.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let error =
        RemoteJwks::jwks_uri(format!("http://{closed}/jwks"), [RS256]).allow_loopback_http().fetch().await.unwrap_err();
    assert_eq!(error, JwksError::Unreachable);
    let clock = clock();
    let jwks = remote(&provider, &clock).await;
    assert_eq!(jwks.keys().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_flood_of_unknown_kids_fetches_once_per_interval() {
    let provider = Provider::start(Reply::ok(set_of(&["k1"]))).await;
    let clock = clock();
    let jwks = remote(&provider, &clock).await;
    let validator = validator(&jwks);
    let tokens: Vec<String> = (0..1000).map(token_with_unknown_kid).collect();

    let flood = |tokens: Vec<String>| {
        let validator = validator.clone();
        async move {
            let tasks: Vec<_> = tokens
                .into_iter()
                .map(|token| {
                    let validator = validator.clone();
                    tokio::spawn(async move { validator.validate_async(&token).await })
                })
                .collect();
            for task in tasks {
                assert_eq!(task.await.unwrap().unwrap_err(), JwtError::UnknownKid);
            }
        }
    };

    // Within the interval of the first fetch: no request at all.
    flood(tokens.clone()).await;
    assert_eq!(provider.hits(), 1);
    // After it: 1000 concurrent misses share one fetch.
    clock.advance(Duration::from_secs(30));
    flood(tokens.clone()).await;
    assert_eq!(provider.hits(), 2);
    // And again nothing until the interval has passed once more.
    clock.advance(Duration::from_secs(29));
    flood(tokens.clone()).await;
    assert_eq!(provider.hits(), 2);
    clock.advance(Duration::from_secs(1));
    flood(tokens).await;
    assert_eq!(provider.hits(), 3);
    assert!(validator.validate_async(&token("k1", ISS)).await.is_ok());
}

#[tokio::test]
async fn over_http_unknown_kids_are_401_and_a_rotated_key_is_accepted() {
    let provider = Provider::start(Reply::ok(set_of(&["k1"]))).await;
    let clock = clock();
    let jwks = remote(&provider, &clock).await;
    let app = Router::new()
        .route("/me", get(|principal: Principal| async move { principal.subject().to_owned() }))
        .layer(AuthenticationLayer::new().jwt(validator(&jwks)).failed_attempts(FailedAuthLimit::off()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let client = reqwest::Client::new();
    let get_me = |token: String| {
        let client = client.clone();
        async move { client.get(format!("http://{addr}/me")).bearer_auth(token).send().await.unwrap() }
    };

    clock.advance(Duration::from_secs(30));
    for n in 0..200 {
        assert_eq!(get_me(token_with_unknown_kid(n)).await.status(), 401);
    }
    assert_eq!(provider.hits(), 2, "200 unknown kids: one refetch");

    provider.set(Reply::ok(set_of(&["k1", "k2"])));
    clock.advance(Duration::from_secs(30));
    let response = get_me(token("k2", ISS)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "user-42");
    assert_eq!(provider.hits(), 3);
}

#[tokio::test]
async fn the_first_fetch_fails_clearly_on_bad_answers_and_unsafe_configuration() {
    let provider = Provider::start(Reply::ok("not json")).await;
    let fetch = |url: String| RemoteJwks::jwks_uri(url, [RS256]).allow_loopback_http().fetch();

    assert_eq!(fetch(provider.url()).await.unwrap_err(), JwksError::InvalidDocument);
    provider.set(Reply::ok(format!(r#"{{"keys":[{}]}}"#, "{},".repeat(200 * 1024))));
    assert_eq!(fetch(provider.url()).await.unwrap_err(), JwksError::TooLarge);
    provider.set(Reply { status: 404, ..Reply::ok("") });
    assert_eq!(fetch(provider.url()).await.unwrap_err(), JwksError::Status(404));

    // Redirects are not followed: the 302 is the answer, `/jwks` is never asked.
    provider.set(Reply::ok(set_of(&["k1"])));
    let before = provider.hits();
    assert_eq!(fetch(format!("{}/moved", provider.base())).await.unwrap_err(), JwksError::Status(302));
    assert_eq!(provider.hits(), before);

    // A body without length that never ends stops at the limit; a provider
    // that never answers, at the timeout.
    assert_eq!(fetch(format!("{}/endless", provider.base())).await.unwrap_err(), JwksError::TooLarge);
    let slow = RemoteJwks::jwks_uri(format!("{}/slow", provider.base()), [RS256])
        .allow_loopback_http()
        .timeout(Duration::from_millis(200));
    assert_eq!(slow.fetch().await.unwrap_err(), JwksError::Timeout);

    // A smaller limit refuses what the default accepts.
    let small = RemoteJwks::jwks_uri(provider.url(), [RS256]).allow_loopback_http().max_response_size(100);
    assert_eq!(small.fetch().await.unwrap_err(), JwksError::TooLarge);

    // Unsafe URLs are refused before any request.
    let before = provider.hits();
    let plain = RemoteJwks::jwks_uri(provider.url(), [RS256]).fetch().await.unwrap_err();
    assert_eq!(plain, JwksError::InsecureUrl, "loopback http needs allow_loopback_http");
    assert_eq!(fetch("http://id.example.com/jwks".into()).await.unwrap_err(), JwksError::InsecureUrl);
    assert_eq!(fetch("https://user:pw@id.example.com/jwks".into()).await.unwrap_err(), JwksError::InvalidUrl);
    assert_eq!(provider.hits(), before);

    // No HMAC from a URL, no algorithm confusion.
    for algorithms in [vec![JwtAlgorithm::HS256], vec![RS256, JwtAlgorithm::HS512]] {
        let error = RemoteJwks::jwks_uri(provider.url(), algorithms).allow_loopback_http().fetch().await.unwrap_err();
        assert_eq!(error, JwksError::SymmetricAlgorithm);
    }
    assert_eq!(RemoteJwks::jwks_uri(provider.url(), []).fetch().await.unwrap_err(), JwksError::NoAlgorithm);
    // The published RS256 key is not used for PS256: its `alg` must be a configured one.
    let ps256 = RemoteJwks::jwks_uri(provider.url(), [JwtAlgorithm::PS256]).allow_loopback_http().fetch().await;
    assert_eq!(ps256.unwrap_err(), JwksError::Keys(JwtKeyError::NoKeys));
    // Keys for encryption, of unknown types or with an HS256 `alg` are skipped.
    let mut k1 = jwk("k1");
    let mut enc = jwk("k2");
    enc["use"] = "enc".into();
    enc["kid"] = "enc".into();
    let mut hs = jwk("k2");
    hs["alg"] = "HS256".into();
    hs["kid"] = "hs".into();
    k1["x5t"] = "ignored".into();
    let okp = serde_json::json!({"kty":"OKP","crv":"X25519","kid":"x","x":"AAAA"});
    provider.set(Reply::ok(serde_json::json!({ "keys": [k1, enc, hs, okp] }).to_string()));
    let jwks = fetch(provider.url()).await.unwrap();
    assert_eq!(jwks.keys().kids().collect::<Vec<_>>(), ["k1"]);

    // RS256 -> HS256 confusion with the published key as the HMAC secret.
    let validator = validator(&jwks);
    let header = b64(br#"{"alg":"HS256","kid":"k1"}"#);
    let forged = format!("{header}.{}.{}", b64(claims("").as_bytes()), b64(&[1u8; 32]));
    assert_eq!(validator.validate_async(&forged).await.unwrap_err(), JwtError::AlgorithmNotAllowed);
}

#[tokio::test]
async fn discovery_reads_the_jwks_uri_and_checks_the_issuer() {
    let provider = Provider::start(Reply::ok(set_of(&["k1"]))).await;
    let issuer = provider.base();
    let document = |issuer: &str, jwks_uri: &str| {
        Reply::ok(serde_json::json!({"issuer": issuer, "jwks_uri": jwks_uri}).to_string())
    };
    let discover =
        |issuer: &str| RemoteJwks::discover(issuer, [RS256]).allow_loopback_http().background_refresh(false).fetch();

    *provider.discovery.lock().unwrap() = document(&issuer, &provider.url());
    let jwks = discover(&issuer).await.unwrap();
    assert_eq!(jwks.issuer(), Some(issuer.as_str()));
    assert_eq!(jwks.url(), provider.url());
    assert_eq!((provider.discovery_hits.load(Ordering::SeqCst), provider.hits()), (1, 1));
    let validator = JwtValidator::builder(jwks.clone()).issuer(issuer.as_str()).audience(AUD).build();
    assert!(validator.validate_async(&token("k1", &issuer)).await.is_ok());
    // A trailing slash on the configured issuer finds the same document, but
    // the issuer must be exactly the document's.
    assert_eq!(discover(&format!("{issuer}/")).await.unwrap_err(), JwksError::IssuerMismatch);

    // Keys discovered for one issuer never verify another's tokens.
    let misconfigured = JwtValidator::builder(jwks.clone()).issuer(ISS).audience(AUD).build();
    assert_eq!(misconfigured.validate_async(&token("k1", ISS)).await.unwrap_err(), JwtError::WrongIssuer);
    let home = JwtValidator::builder(signing_key("k2").verification_key().unwrap())
        .issuer(ISS)
        .external_issuer(ExternalIssuer::new(issuer.as_str(), jwks))
        .audience(AUD)
        .build();
    assert!(home.validate_async(&token("k1", &issuer)).await.unwrap().principal().is_external());
    assert_eq!(home.validate_async(&token("k1", ISS)).await.unwrap_err(), JwtError::UnknownKid);

    // A document naming another issuer, or keys at a plain-HTTP host.
    *provider.discovery.lock().unwrap() = document("https://evil.example", &provider.url());
    assert_eq!(discover(&issuer).await.unwrap_err(), JwksError::IssuerMismatch);
    *provider.discovery.lock().unwrap() = document(&issuer, "http://keys.example.com/jwks");
    assert_eq!(discover(&issuer).await.unwrap_err(), JwksError::InsecureUrl);
    *provider.discovery.lock().unwrap() = Reply::ok(serde_json::json!({"issuer": issuer}).to_string());
    assert_eq!(discover(&issuer).await.unwrap_err(), JwksError::InvalidDocument);
    *provider.discovery.lock().unwrap() = Reply::ok(format!(
        r#"{{"issuer":"{issuer}","issuer":"https://evil.example","jwks_uri":"{}"}}"#,
        provider.url()
    ));
    assert_eq!(discover(&issuer).await.unwrap_err(), JwksError::InvalidDocument, "duplicate names are refused");
}

#[tokio::test]
async fn cache_control_sets_the_lifetime_within_bounds() {
    let provider = Provider::start(Reply::ok(set_of(&["k1"])).cache_control("public, max-age=120")).await;
    let clock = clock();
    let jwks = remote(&provider, &clock).await;
    assert_eq!(jwks.status().lifetime, Duration::from_secs(120));
    // Refreshed after 9/10 of it: 108 s.
    clock.advance(Duration::from_secs(107));
    assert!(!jwks.refresh_if_due().await.unwrap());
    assert_eq!(provider.hits(), 1);
    clock.advance(Duration::from_secs(1));
    assert!(jwks.refresh_if_due().await.unwrap());
    assert_eq!(provider.hits(), 2);

    let cases = [
        (Some("max-age=5"), None, 60),               // raised to the 1 min floor
        (Some("no-store"), None, 60),                // likewise
        (Some("max-age=31536000"), None, 24 * 3600), // lowered to 24 h
        (Some("max-age=900"), Some("300"), 600),     // minus Age
        (None, None, 600),                           // the 10 min default
        (Some("max-age=oops"), None, 60),            // garbage is stale
    ];
    for (cache_control, age, expected) in cases {
        let mut reply = Reply::ok(set_of(&["k1"]));
        reply.cache_control = cache_control.map(str::to_owned);
        reply.age = age.map(str::to_owned);
        provider.set(reply);
        jwks.refresh().await.unwrap();
        assert_eq!(jwks.status().lifetime, Duration::from_secs(expected), "{cache_control:?} {age:?}");
    }

    // Configured bounds and default.
    provider.set(Reply::ok(set_of(&["k1"])));
    let custom = RemoteJwks::jwks_uri(provider.url(), [RS256])
        .allow_loopback_http()
        .background_refresh(false)
        .default_cache_lifetime(Duration::from_secs(7200))
        .cache_lifetime_bounds(Duration::from_secs(10), Duration::from_secs(3600))
        .fetch()
        .await
        .unwrap();
    assert_eq!(custom.status().lifetime, Duration::from_secs(3600));
}

#[tokio::test]
async fn the_background_task_refreshes_on_its_own() {
    // A 1 s lifetime (the bounds allow it here) on the system clock: the
    // task fetches again after 0.9 s. Waited for by count, at most 20 s.
    let provider = Provider::start(Reply::ok(set_of(&["k1"])).cache_control("max-age=1")).await;
    let jwks = RemoteJwks::jwks_uri(provider.url(), [RS256])
        .allow_loopback_http()
        .cache_lifetime_bounds(Duration::from_secs(1), Duration::from_secs(60))
        .fetch()
        .await
        .unwrap();
    provider.set(Reply::ok(set_of(&["k1", "k2"])).cache_control("max-age=60"));
    for _ in 0..400 {
        if provider.hits() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(provider.hits() >= 2, "the background task fetched again");
    for _ in 0..100 {
        if jwks.keys().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(jwks.keys().len(), 2);
    // Dropping every handle ends the task: no further fetch once it wakes.
    drop(jwks);
}
