//! Starting the orders_api service for a test: one instance with memory
//! stores, or two instances sharing one Redis (requests alternate between
//! them), each serving real HTTP on loopback.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use apishield::rate_limit::{Algorithm, RateLimitPolicy, Window};
use apishield::webhook::{WebhookSecret, WebhookSigner};
use apishield_examples::orders_api::dev::DevIssuer;
use apishield_examples::orders_api::{self, Config, Counters};
use serde_json::Value;

/// The page origin the tests' configuration allows.
pub const ALLOWED_ORIGIN: &str = "https://shop.example.com";
/// An origin it does not.
pub const OTHER_ORIGIN: &str = "https://evil.example.net";

/// A rate limit of `n` requests a minute.
pub fn per_minute(n: u32) -> RateLimitPolicy {
    RateLimitPolicy::new(Algorithm::SlidingWindow, [Window::per_minute(n)]).expect("policy")
}

/// A budget of `n` requests a day: counts that must be exact (a minute's
/// window could turn during the test, and the sliding window weighs the
/// previous one).
pub fn per_day(n: u32) -> RateLimitPolicy {
    RateLimitPolicy::new(Algorithm::SlidingWindow, [Window::per_day(n)]).expect("policy")
}

/// The tests' configuration: loopback, the allowed origin, budgets large
/// enough that only the rate-limit tests meet them, a fast provider.
pub fn test_config() -> Config {
    let mut config = Config::development().expect("development config");
    config.addr = "127.0.0.1:0".parse().expect("address");
    config.origins = vec![ALLOWED_ORIGIN.to_owned()];
    config.rate_limits.free = per_minute(100_000);
    config.rate_limits.paid = per_minute(100_000);
    config.rate_limits.anonymous = per_minute(100_000);
    config.provider_latency = Duration::from_millis(5);
    config
}

/// The service's routes (method, path), as its audit lists them.
pub async fn route_entries() -> Vec<apishield::routing::RouteEntry> {
    orders_api::app(&test_config()).await.expect("the service starts").audit().entries().to_vec()
}

/// One running instance.
pub struct Instance {
    pub addr: SocketAddr,
    pub counters: Counters,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Builds and serves an instance of `config` on an ephemeral loopback port.
pub async fn start(config: &Config) -> Instance {
    let app = orders_api::app(config).await.expect("the service starts");
    let counters = app.counters();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    let router = app.into_router();
    let server = tokio::spawn(async move {
        let _ = orders_api::serve(listener, router, std::future::pending()).await;
    });
    Instance { addr, counters, server }
}

/// Whether Redis answers a PING.
async fn reachable(url: &str) -> Result<(), redis::RedisError> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    redis::cmd("PING").query_async::<String>(&mut conn).await.map(drop)
}

/// The service under test: one instance (memory) or two (Redis).
pub struct Env {
    pub instances: Vec<Instance>,
    pub config: Config,
    pub issuer: DevIssuer,
    pub http: reqwest::Client,
    next: AtomicUsize,
}

impl Env {
    /// One instance with memory stores.
    pub async fn memory(config: Config) -> Env {
        let instance = start(&config).await;
        Env::new(vec![instance], config)
    }

    /// Two instances sharing a Redis under a fresh prefix; `None` (and a
    /// loud "skipped" line) when there is no Redis.
    pub async fn redis(mut config: Config, test: &str) -> Option<Env> {
        let url = apishield_tests::redis_url()?;
        if let Err(error) = reachable(&url).await {
            use std::io::Write as _;
            let name = std::thread::current().name().unwrap_or(test).to_owned();
            let _ = writeln!(std::io::stderr(), "SKIPPED {name}: Redis at REDIS_URL is unreachable ({error})");
            return None;
        }
        config.redis_url = Some(url);
        config.redis_prefix = apishield_tests::unique_prefix(test);
        let a = start(&config).await;
        let b = start(&config).await;
        Some(Env::new(vec![a, b], config))
    }

    fn new(instances: Vec<Instance>, config: Config) -> Env {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Env { instances, config, issuer: DevIssuer::new().expect("issuer"), http, next: AtomicUsize::new(0) }
    }

    /// The base URL of the next instance (they alternate).
    pub fn base(&self) -> String {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.instances.len();
        format!("http://{}", self.instances[i].addr)
    }

    /// A URL of `path` on the next instance.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base())
    }

    /// A development token for `subject` with `roles` and every scope.
    pub fn token(&self, subject: &str, roles: &[&str]) -> String {
        self.issuer.user_token(subject, roles).expect("token").expose_secret().clone()
    }

    /// Payments created, over every instance.
    pub fn payments_created(&self) -> u64 {
        self.instances.iter().map(|i| i.counters.payments_created()).sum()
    }

    /// Webhook events processed, over every instance.
    pub fn webhook_events(&self) -> u64 {
        self.instances.iter().map(|i| i.counters.webhook_events()).sum()
    }

    /// A signer with the service's webhook secret (the provider's side).
    pub fn webhook_signer(&self) -> WebhookSigner {
        WebhookSigner::standard(self.config.webhook_secret.clone())
    }

    /// A signer with another secret.
    pub fn foreign_signer(&self) -> WebhookSigner {
        WebhookSigner::standard(WebhookSecret::generate().expect("secret"))
    }

    /// Sends `method path` with `auth` (an `Authorization` value) and a
    /// JSON body; the answer, read.
    pub async fn send(&self, method: &str, path: &str, auth: Option<&str>, body: Option<&str>) -> Reply {
        self.send_with(method, &self.url(path), auth, body, &[]).await
    }

    /// Like [`send`](Self::send), to a full URL, with extra headers.
    pub async fn send_with(
        &self,
        method: &str,
        url: &str,
        auth: Option<&str>,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut request = self.http.request(method, url);
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_owned());
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        Reply::read(request.send().await.expect("the service answers")).await
    }
}

/// An answer, read.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Reply {
    pub async fn read(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.text().await.expect("body");
        Reply { status, headers, body }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The problem+json `code` of an error answer.
    pub fn code(&self) -> String {
        self.json()["code"].as_str().unwrap_or_default().to_owned()
    }
}

/// `Authorization: Bearer <token>`.
pub fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

/// `Authorization: ApiKey <key>`.
pub fn api_key(key: &str) -> String {
    format!("ApiKey {key}")
}

/// Declares a scenario's two tests: one instance with memory stores, and
/// two instances sharing Redis (skipped without Redis).
#[macro_export]
macro_rules! both_stores {
    ($scenario:ident) => {
        both_stores!($scenario, $crate::support::test_config());
    };
    ($scenario:ident, $config:expr) => {
        mod $scenario {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn in_memory() {
                let env = $crate::support::Env::memory($config).await;
                super::$scenario(&env).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn two_instances_on_redis() {
                let Some(env) = $crate::support::Env::redis($config, stringify!($scenario)).await else { return };
                super::$scenario(&env).await;
            }
        }
    };
}
