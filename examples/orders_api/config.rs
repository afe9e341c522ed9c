//! Configuration from the environment, each setting with a default that
//! works on a developer's machine.
//!
//! | Variable | Default | Meaning |
//! | --- | --- | --- |
//! | `ORDERS_API_ADDR` | `127.0.0.1:3000` | the listen address |
//! | `ORDERS_API_ORIGINS` | `http://localhost:5173` | the browser origins allowed by CORS, comma-separated |
//! | `ORDERS_API_OPS_ADDR` | `127.0.0.1:9464` | the ops listener: `GET /metrics` (Prometheus); loopback or a private address, never a wildcard (see [`metrics`](super::metrics)) |
//! | `ORDERS_API_WEBHOOK_SECRET` | generated at start (and printed) | the payment provider's `whsec_...` signing secret |
//! | `REDIS_URL` | unset: every store in memory | Redis for every store, so that several instances share them |
//!
//! JWTs come from the development issuer of [`dev`] (the test
//! RSA key pair of the repository): replace [`Config::jwt`] with your
//! identity provider's keys before serving anyone.

use std::net::SocketAddr;

use apishield::auth::jwt::{JwtAlgorithm, JwtKey, JwtKeys};
use apishield::rate_limit::RateLimitPolicy;
use apishield::webhook::WebhookSecret;

use super::dev;

/// Everything the service needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where to listen (`ORDERS_API_ADDR`).
    pub addr: SocketAddr,
    /// Where the ops listener serves the metrics (`ORDERS_API_OPS_ADDR`):
    /// loopback unless set, since the metrics must not be public.
    pub ops_addr: SocketAddr,
    /// Allowed browser origins (`ORDERS_API_ORIGINS`), each as browsers send
    /// it (`https://shop.example.com`; `http://localhost:<port>` for
    /// development).
    pub origins: Vec<String>,
    /// Redis (`REDIS_URL`): `None` keeps every store in this process.
    pub redis_url: Option<String>,
    /// The prefix of every Redis key of this service: instances with the
    /// same prefix share rate limits, idempotency records, webhook replay
    /// records, API keys and data.
    pub redis_prefix: String,
    /// The payment provider's webhook signing secret
    /// (`ORDERS_API_WEBHOOK_SECRET`, Standard Webhooks `whsec_...`).
    pub webhook_secret: WebhookSecret,
    /// Whether the webhook secret was generated at start (and so is printed
    /// for the developer to sign test events with).
    pub webhook_secret_generated: bool,
    /// The JWT verification keys, issuer and audience.
    pub jwt: JwtConfig,
    /// The rate-limit policy of each tier.
    pub rate_limits: RateLimits,
    /// Bodies larger than this are refused (413).
    pub body_limit: usize,
    /// How long the (simulated) payment provider takes to answer a charge.
    pub provider_latency: std::time::Duration,
}

/// The identity provider whose tokens the service accepts.
#[derive(Debug, Clone)]
pub struct JwtConfig {
    /// Its public keys (each bound to one algorithm).
    pub keys: JwtKeys,
    /// The `iss` its tokens carry.
    pub issuer: String,
    /// The `aud` meant for this service.
    pub audience: String,
}

/// One rate-limit policy per tier: `paid` for callers with the `paid` role,
/// `free` for every other caller, `anonymous` (per client address) for
/// requests without credentials.
#[derive(Debug, Clone)]
pub struct RateLimits {
    /// Callers without the `paid` role (60/min, 1000/h).
    pub free: RateLimitPolicy,
    /// Callers with the `paid` role (300/min, 10000/h).
    pub paid: RateLimitPolicy,
    /// Requests without credentials, per client address (20/min, 100/h).
    pub anonymous: RateLimitPolicy,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            free: RateLimitPolicy::free(),
            paid: RateLimitPolicy::paid(),
            anonymous: RateLimitPolicy::unauthenticated(),
        }
    }
}

/// A setting that could not be read.
#[derive(Debug)]
pub struct ConfigError(String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// The default listen address.
pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";
/// The default ops address: loopback, Prometheus exporters' usual port.
pub const DEFAULT_OPS_ADDR: &str = "127.0.0.1:9464";
/// The default allowed origin: a front end's development server.
pub const DEFAULT_ORIGIN: &str = "http://localhost:5173";
/// The default Redis key prefix.
pub const DEFAULT_REDIS_PREFIX: &str = "orders-api:";

impl Config {
    /// The development configuration: loopback, in-memory stores, the
    /// development JWT issuer, a fresh webhook secret. What the tests start
    /// from.
    pub fn development() -> Result<Config, ConfigError> {
        let webhook_secret =
            WebhookSecret::generate().map_err(|e| ConfigError(format!("cannot generate a webhook secret: {e}")))?;
        Ok(Config {
            addr: DEFAULT_ADDR.parse().map_err(|_| ConfigError("bad default address".into()))?,
            ops_addr: DEFAULT_OPS_ADDR.parse().map_err(|_| ConfigError("bad default ops address".into()))?,
            origins: vec![DEFAULT_ORIGIN.to_owned()],
            redis_url: None,
            redis_prefix: DEFAULT_REDIS_PREFIX.to_owned(),
            webhook_secret,
            webhook_secret_generated: true,
            jwt: JwtConfig::development()?,
            rate_limits: RateLimits::default(),
            body_limit: 64 * 1024,
            provider_latency: std::time::Duration::from_millis(50),
        })
    }

    /// The development configuration, changed by the environment variables
    /// of the module documentation.
    pub fn from_env() -> Result<Config, ConfigError> {
        let mut config = Config::development()?;
        if let Some(addr) = var("ORDERS_API_ADDR")? {
            config.addr = addr
                .parse()
                .map_err(|_| ConfigError("ORDERS_API_ADDR is not an address like 127.0.0.1:3000".into()))?;
        }
        if let Some(addr) = var("ORDERS_API_OPS_ADDR")? {
            let addr = addr
                .parse()
                .map_err(|_| ConfigError("ORDERS_API_OPS_ADDR is not an address like 127.0.0.1:9464".into()))?;
            config.ops_addr =
                super::metrics::check_ops_addr(addr).map_err(|e| ConfigError(format!("ORDERS_API_OPS_ADDR: {e}")))?;
        }
        if let Some(origins) = var("ORDERS_API_ORIGINS")? {
            config.origins = origins.split(',').map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect();
        }
        config.redis_url = var("REDIS_URL")?;
        if let Some(secret) = var("ORDERS_API_WEBHOOK_SECRET")? {
            config.webhook_secret = WebhookSecret::from_standard(&secret).map_err(|_| {
                ConfigError("ORDERS_API_WEBHOOK_SECRET is not a whsec_ secret of 24 to 64 bytes".into())
            })?;
            config.webhook_secret_generated = false;
        }
        Ok(config)
    }
}

impl JwtConfig {
    /// The development issuer's public key ([`dev::ISSUER`], audience
    /// [`dev::AUDIENCE`]).
    pub fn development() -> Result<JwtConfig, ConfigError> {
        let key = JwtKey::from_pem(JwtAlgorithm::RS256, dev::PUBLIC_KEY_PEM.as_bytes())
            .and_then(|key| key.with_kid(dev::KEY_ID))
            .map_err(|e| ConfigError(format!("the development JWT key: {e}")))?;
        let keys = JwtKeys::new([key]).map_err(|e| ConfigError(format!("the development JWT key: {e}")))?;
        Ok(JwtConfig { keys, issuer: dev::ISSUER.to_owned(), audience: dev::AUDIENCE.to_owned() })
    }
}

/// An environment variable: `None` if unset or empty, an error if not
/// Unicode (its value is not echoed).
fn var(name: &str) -> Result<Option<String>, ConfigError> {
    match std::env::var(name) {
        Ok(value) if value.trim().is_empty() => Ok(None),
        Ok(value) => Ok(Some(value.trim().to_owned())),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(ConfigError(format!("{name} is not valid Unicode"))),
    }
}
