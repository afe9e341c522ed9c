//! The server the HTTP benchmarks (`benches/http_stack.rs`) run: one variant
//! of one route per process, on a one-thread runtime, so that a core pinned
//! to it measures that variant alone and callgrind counts its instructions.
//!
//! ```text
//! stack_server <variant>
//! ```
//!
//! It binds 127.0.0.1 on a free port and prints, one per line, `PORT <n>`,
//! `PATH <path>`, `METHOD <GET|POST>`, then any `HEADER <name>: <value>` a
//! request must carry (a credential), then `BODY <json>` and `READY`. It
//! serves until SIGTERM or Ctrl-C, then exits normally (callgrind writes
//! its counts at a normal exit).
//!
//! Variants: see [`VARIANTS`].

use std::net::SocketAddr;
use std::time::Duration;

use apishield::auth::api_key::{ApiKeyEnvironment, ApiKeyIssuer, ApiKeyKind, ApiKeyVerifier, MemoryApiKeyStore};
use apishield::auth::jwt::{
    DEFAULT_VERIFIED_TOKEN_CACHE, HmacSecret, JwtAlgorithm, JwtIssuer, JwtKey, JwtSigningKey, JwtValidator,
};
use apishield::axum::{
    AuthenticationLayer, BodyLimit, HttpsLayer, Idempotency, RateLimitLayer, RequestIdLayer, SafeDefaults,
    SafeDefaultsLayer,
};
use apishield::client_addr::TrustedProxies;
use apishield::cors::CorsPolicy;
use apishield::headers::SecurityHeaders;
use apishield::idempotency::{MemoryIdempotencyStore, RedisIdempotencyStore};
use apishield::prelude::*;
use apishield::rate_limit::{Algorithm, MemoryRateLimiter, Window};
use axum::Router;
use axum::extract::{Path, Request};
use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, PRAGMA, REFERRER_POLICY, STRICT_TRANSPORT_SECURITY, X_CONTENT_TYPE_OPTIONS,
    X_FRAME_OPTIONS, X_XSS_PROTECTION,
};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Serialize;
use tower::ServiceBuilder;

/// Every variant this server knows, with what it stacks.
pub const VARIANTS: &[(&str, &str)] = &[
    ("bare", "GET /orders/{id}: axum alone"),
    ("defaults", "GET, SafeDefaults (request id, security headers, HTTPS policy, CORS, body limit)"),
    ("api_key", "GET, SafeDefaults + API-key Authentication + memory RateLimit"),
    (
        "api_key_one_layer",
        "the same as api_key in one `Router::layer` call (`SafeDefaults::around`, `Routes::secure_stack`)",
    ),
    ("jwt_hs256", "GET, SafeDefaults + JWT (HS256) Authentication + memory RateLimit"),
    ("jwt_rs256", "GET, SafeDefaults + JWT (RS256) Authentication + memory RateLimit"),
    ("jwt_hs256_one_layer", "the same as jwt_hs256 in one `Router::layer` call (`SafeDefaults::around`)"),
    ("jwt_hs256_no_cache", "jwt_hs256 with the verified-token cache off: every token checked in full"),
    ("jwt_rs256_no_cache", "jwt_rs256 with the verified-token cache off: every token checked in full"),
    ("tower_http", "GET, tower-http's CORS + one SetResponseHeader per security header + request id"),
    ("floor_defaults", "GET, the safe defaults' answer by a hand-written layer that does only that (the floor)"),
    ("floor_full", "floor_defaults + one credential compared + one shared counter and its five headers"),
    ("post_bare", "POST /payments: axum alone (a JSON body, a caller put in by a tiny layer)"),
    ("post_idempotent", "POST /payments: the same with #[idempotent] (memory store)"),
    ("post_idempotent_redis", "POST /payments: #[idempotent] on Redis (`REDIS_URL`, a prefix of its own)"),
    // To attribute the safe defaults' cost, layer by layer (not in the benchmark's table).
    ("noop_layer", "GET, one `Router::layer` call of a layer that does nothing"),
    ("defaults_outside", "GET, SafeDefaults around the router (a service), not through `Router::layer`"),
    ("only_security_headers", "GET, SecurityHeaders::api() alone"),
    ("only_request_id", "GET, RequestIdLayer alone"),
    ("only_cors", "GET, the CORS layer alone"),
    ("only_https", "GET, the HTTPS layer alone (trusted proxy says https)"),
    ("only_body_limits", "GET, the two body-limit extensions alone"),
];

const ORIGIN: &str = "https://app.example.com";

#[derive(Serialize)]
struct Order {
    id: u64,
    status: &'static str,
    total_cents: u64,
}

async fn order(Path(id): Path<u64>) -> axum::Json<Order> {
    axum::Json(Order { id, status: "paid", total_cents: 4200 })
}

#[derive(serde::Deserialize, Serialize)]
struct Payment {
    amount_cents: u64,
    currency: String,
}

async fn pay_bare(_principal: Principal, axum::Json(payment): axum::Json<Payment>) -> axum::Json<Payment> {
    axum::Json(payment)
}

#[idempotent(ttl = "1h")]
async fn pay_idempotent(
    _key: IdempotencyKey,
    _principal: Principal,
    axum::Json(payment): axum::Json<Payment>,
) -> axum::Json<Payment> {
    axum::Json(payment)
}

/// The caller of the POST variants, without an authentication layer's cost.
async fn caller(mut req: Request, next: Next) -> Response {
    req.extensions_mut().insert(Principal::new("alice"));
    next.run(req).await
}

fn cors() -> CorsPolicy {
    apishield::cors! {
        origins: ["https://app.example.com"],
        methods: [GET, POST],
        headers: ["Authorization", "Content-Type", "Idempotency-Key"],
    }
}

/// As in production behind a load balancer that terminates TLS: the
/// benchmark's client is the trusted proxy and says `https`.
fn https() -> HttpsLayer {
    let proxies = TrustedProxies::parse(["127.0.0.1/32"]).unwrap_or_else(|e| panic!("proxies: {e}"));
    HttpsLayer::new().trusted_proxies(proxies)
}

fn safe_defaults() -> SafeDefaults {
    SafeDefaults::new(cors()).https(https())
}

fn rate_limit() -> RateLimitLayer {
    // A budget no run exhausts: the decision is measured, not the 429.
    let policy = RateLimitPolicy::new(Algorithm::SlidingWindow, [Window::per_second(apishield::rate_limit::MAX_QUOTA)])
        .unwrap_or_else(|e| panic!("policy: {e}"));
    RateLimitLayer::new(MemoryRateLimiter::new(policy))
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/../tests/fixtures/keys/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A validator and a token of its issuer; `cache`: the validator's
/// verified-token cache (0: off, so every request pays a full check).
fn jwt(algorithm: JwtAlgorithm, cache: usize) -> (JwtValidator, String) {
    let (signing, verifying) = match algorithm {
        JwtAlgorithm::RS256 => (
            JwtSigningKey::from_pem(algorithm, &fixture("test_rsa_private.pem")),
            JwtKey::from_pem(algorithm, &fixture("test_rsa_public.pem")),
        ),
        _ => {
            let secret = HmacSecret::generate().unwrap_or_else(|e| panic!("secret: {e}"));
            (JwtSigningKey::hmac(algorithm, &secret), JwtKey::hmac(algorithm, &secret))
        }
    };
    let signing = signing.unwrap_or_else(|e| panic!("signing key: {e}"));
    let verifying = verifying.unwrap_or_else(|e| panic!("key: {e}"));
    let issuer = JwtIssuer::new(signing, "https://auth.example.com", "bench").lifetime(Duration::from_secs(600));
    let token = issuer.issue("alice").unwrap_or_else(|e| panic!("token: {e}"));
    let validator = JwtValidator::builder(verifying)
        .issuer("https://auth.example.com")
        .audience("bench")
        .verified_token_cache(cache)
        .build();
    (validator, format!("Bearer {}", token.expose_secret()))
}

async fn api_key() -> (ApiKeyVerifier<MemoryApiKeyStore>, String) {
    let store = MemoryApiKeyStore::new();
    let issuer = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live);
    // A store of a real size: the lookup is a map of 10 000 keys.
    for i in 0..10_000 {
        let _ = issuer.issue(ApiKeyKind::Secret, &format!("user-{i}"), ["orders:read"]).await;
    }
    let (key, _) =
        issuer.issue(ApiKeyKind::Secret, "alice", ["orders:read"]).await.unwrap_or_else(|e| panic!("api key: {e}"));
    (ApiKeyVerifier::new(store, ApiKeyEnvironment::Live), format!("ApiKey {}", key.expose_secret()))
}

fn tower_http() -> Router {
    use tower_http::cors::{AllowOrigin, CorsLayer};
    use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
    use tower_http::set_header::SetResponseHeaderLayer;
    let cors = CorsLayer::new()
        .allow_origin(AllowOrigin::list([HeaderValue::from_static(ORIGIN)]))
        .allow_methods([axum::http::Method::GET, axum::http::Method::POST])
        .allow_headers([axum::http::header::AUTHORIZATION, axum::http::header::CONTENT_TYPE]);
    let header = |name: HeaderName, value: &'static str| {
        SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value))
    };
    let request_id = HeaderName::from_static("x-request-id");
    // As apishield's safe defaults: one layer call (axum boxes per call).
    Router::new().route("/orders/{id}", get(order)).layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
            .layer(PropagateRequestIdLayer::new(request_id))
            .layer(header(STRICT_TRANSPORT_SECURITY, "max-age=31536000; includeSubDomains"))
            .layer(header(X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .layer(header(X_FRAME_OPTIONS, "DENY"))
            .layer(header(CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'"))
            .layer(header(CACHE_CONTROL, "no-store"))
            .layer(header(PRAGMA, "no-cache"))
            .layer(header(REFERRER_POLICY, "no-referrer"))
            .layer(header(X_XSS_PROTECTION, "0"))
            .layer(cors),
    )
}

/// What a variant serves: a router, or a service around one (layers applied
/// outside the router rather than through `Router::layer`).
enum App {
    Router(Router),
    Wrapped(<SafeDefaultsLayer as tower::Layer<Router>>::Service),
}

impl From<Router> for App {
    fn from(router: Router) -> App {
        App::Router(router)
    }
}

struct Served {
    app: App,
    method: &'static str,
    path: &'static str,
    headers: Vec<String>,
    body: Option<&'static str>,
}

async fn variant(name: &str) -> Option<Served> {
    let get_route = || Router::new().route("/orders/{id}", get(order));
    let get = |app: Router, headers: Vec<String>| Served {
        app: app.into(),
        method: "GET",
        path: "/orders/42",
        headers: [vec![format!("origin: {ORIGIN}"), "x-forwarded-proto: https".to_owned()], headers].concat(),
        body: None,
    };
    let post_body = Some(r#"{"amount_cents":4200,"currency":"EUR"}"#);
    Some(match name {
        "bare" => get(get_route(), vec![]),
        "defaults" => get(safe_defaults().apply(get_route()), vec![]),
        "api_key" => {
            let (verifier, header) = api_key().await;
            let app = get_route().layer(rate_limit()).layer(AuthenticationLayer::new().api_keys(verifier));
            get(safe_defaults().apply(app), vec![format!("authorization: {header}")])
        }
        "api_key_one_layer" => {
            let (verifier, header) = api_key().await;
            let stack = safe_defaults().around(AuthenticationLayer::new().api_keys(verifier), rate_limit());
            get(get_route().layer(stack), vec![format!("authorization: {header}")])
        }
        "jwt_hs256" | "jwt_rs256" | "jwt_hs256_no_cache" | "jwt_rs256_no_cache" => {
            let algorithm = if name.starts_with("jwt_hs256") { JwtAlgorithm::HS256 } else { JwtAlgorithm::RS256 };
            let cache = if name.ends_with("no_cache") { 0 } else { DEFAULT_VERIFIED_TOKEN_CACHE };
            let (validator, header) = jwt(algorithm, cache);
            let app = get_route().layer(rate_limit()).layer(AuthenticationLayer::new().jwt(validator));
            get(safe_defaults().apply(app), vec![format!("authorization: {header}")])
        }
        "jwt_hs256_one_layer" => {
            let (validator, header) = jwt(JwtAlgorithm::HS256, DEFAULT_VERIFIED_TOKEN_CACHE);
            let stack = safe_defaults().around(AuthenticationLayer::new().jwt(validator), rate_limit());
            get(get_route().layer(stack), vec![format!("authorization: {header}")])
        }
        "tower_http" => get(tower_http(), vec![]),
        "floor_defaults" => get(get_route().layer(apishield_benches::floor::FloorLayer), vec![]),
        "floor_full" => {
            // The JWT stack's header, as the one credential accepted.
            let (_, header) = jwt(JwtAlgorithm::HS256, 0);
            let guard = apishield_benches::floor::FloorGuardLayer::new(&header, Principal::new("alice"));
            let stack = ServiceBuilder::new().layer(apishield_benches::floor::FloorLayer).layer(guard);
            get(get_route().layer(stack), vec![format!("authorization: {header}")])
        }
        // One layer of the safe defaults each, to attribute their cost.
        "noop_layer" => get(get_route().layer(tower::layer::util::Identity::new()), vec![]),
        "only_security_headers" => get(get_route().layer(SecurityHeaders::api().layer()), vec![]),
        "only_request_id" => get(get_route().layer(RequestIdLayer::new()), vec![]),
        "only_cors" => get(get_route().layer(cors().layer()), vec![]),
        "only_https" => get(get_route().layer(https()), vec![]),
        "only_body_limits" => {
            let limits = ServiceBuilder::new()
                .layer(axum::extract::Extension(BodyLimit(1 << 20)))
                .layer(axum::extract::DefaultBodyLimit::max(1 << 20));
            get(get_route().layer(limits), vec![])
        }
        "defaults_outside" => {
            let mut served = get(get_route(), vec![]);
            served.app = App::Wrapped(tower::Layer::layer(&safe_defaults().into_layer(), get_route()));
            served
        }
        "post_bare" => payments(Router::new().route("/payments", post(pay_bare)), post_body),
        "post_idempotent" => {
            // Room for every fresh key of a long run: the path is measured, not eviction.
            let store = MemoryIdempotencyStore::new(usize::MAX, usize::MAX).per_caller(usize::MAX, usize::MAX);
            payments(idempotent_payments(Idempotency::new(store)), post_body)
        }
        "post_idempotent_redis" => {
            let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
            let client = redis::Client::open(url).unwrap_or_else(|e| panic!("REDIS_URL: {e}"));
            let connection = redis::aio::ConnectionManager::new(client).await.unwrap_or_else(|e| panic!("redis: {e}"));
            let prefix = format!("apishield:bench:{}:", std::process::id());
            println!("REDIS_PREFIX {prefix}");
            let store = RedisIdempotencyStore::new(connection).prefix(prefix);
            payments(idempotent_payments(Idempotency::new(store)), post_body)
        }
        _ => return None,
    })
}

/// `POST /payments` with a JSON body, the caller put in.
fn payments(routes: Router, body: Option<&'static str>) -> Served {
    Served {
        app: routes.layer(middleware::from_fn(caller)).into(),
        method: "POST",
        path: "/payments",
        headers: vec!["content-type: application/json".into()],
        body,
    }
}

/// The `#[idempotent]` payment route on `idempotency`'s store.
fn idempotent_payments(idempotency: Idempotency) -> Router {
    Router::new().route("/payments", post(pay_idempotent)).with_state(idempotency)
}

async fn shutdown() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| panic!("runtime: {e}"));
    runtime.block_on(async {
        let Some(served) = variant(&name).await else {
            eprintln!("stack_server <variant>; variants:");
            for (name, what) in VARIANTS {
                eprintln!("  {name:16} {what}");
            }
            std::process::exit(2);
        };
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let port = listener.local_addr().map(|a| a.port()).unwrap_or_default();
        println!("PORT {port}");
        println!("METHOD {}", served.method);
        println!("PATH {}", served.path);
        for header in &served.headers {
            println!("HEADER {header}");
        }
        if let Some(body) = served.body {
            println!("BODY {body}");
        }
        println!("READY");
        let served = match served.app {
            App::Router(router) => {
                let app = router.into_make_service_with_connect_info::<SocketAddr>();
                axum::serve(listener, app).with_graceful_shutdown(shutdown()).await
            }
            App::Wrapped(service) => {
                let app = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<SocketAddr>(
                    service,
                );
                axum::serve(listener, app).with_graceful_shutdown(shutdown()).await
            }
        };
        if let Err(e) = served {
            eprintln!("serve: {e}");
        }
    });
}
