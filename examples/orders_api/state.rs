//! The application state: the stores every handler and layer reads, built
//! from the [`Config`]: all in memory, or all in Redis when `REDIS_URL` is
//! set (so that several instances share one rate-limit budget per caller,
//! one idempotency record per key, one webhook replay record per event, the
//! API keys and the data).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use apishield::auth::api_key::{
    ApiKeyEnvironment, ApiKeyIssuer, ApiKeyStore, ApiKeyVerifier, MemoryApiKeyStore, RedisApiKeyStore,
};
use apishield::axum::{FailedAuthLimit, Idempotency, WebhookEndpoint};
use apishield::idempotency::RedisIdempotencyStore;
use apishield::rate_limit::{MemoryRateLimiter, RateLimitPolicy, RateLimiter, RedisOptions, RedisRateLimiter};
use apishield::webhook::{RedisReplayStore, WebhookVerifier};
use axum::extract::FromRef;
use redis::aio::ConnectionManager;

use super::config::Config;
use super::store::Data;

/// API keys of this service: `sk-test-...` in development. A production
/// deployment issues `Live` keys (and its verifier refuses test keys).
pub const API_KEY_ENVIRONMENT: ApiKeyEnvironment = ApiKeyEnvironment::Test;

/// What the handlers read from the router. Clones share everything.
#[derive(Clone)]
pub struct AppState {
    /// Profiles, orders, payments, the index of API keys.
    pub data: Data,
    /// Issues, rotates and revokes API keys (the store the
    /// `AuthenticationLayer` verifies them against).
    pub api_keys: ApiKeyIssuer<Arc<dyn ApiKeyStore>>,
    /// The idempotency records of `#[idempotent]` routes.
    pub idempotency: Idempotency,
    /// The payment provider's webhook endpoint: its secret and replay store.
    pub webhook: WebhookEndpoint,
    /// How many times handlers with side effects ran (for the tests, and a
    /// metrics endpoint in a real service).
    pub counters: Counters,
    /// How long a call to the payment provider takes (simulated).
    pub provider_latency: Duration,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("data", &self.data)
            .field("webhook", &self.webhook)
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

impl FromRef<AppState> for Idempotency {
    fn from_ref(state: &AppState) -> Self {
        state.idempotency.clone()
    }
}

impl FromRef<AppState> for WebhookEndpoint {
    fn from_ref(state: &AppState) -> Self {
        state.webhook.clone()
    }
}

impl std::fmt::Debug for Counters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counters")
            .field("payments_created", &self.payments_created())
            .field("webhook_events", &self.webhook_events())
            .finish()
    }
}

/// Counts of handler runs with side effects. Clones share the counts.
#[derive(Clone, Default)]
pub struct Counters {
    payments_created: Arc<AtomicU64>,
    webhook_events: Arc<AtomicU64>,
}

impl Counters {
    /// Payments the `POST /payments` handler created (in this process).
    pub fn payments_created(&self) -> u64 {
        self.payments_created.load(Ordering::SeqCst)
    }

    /// Webhook events the handler processed (in this process).
    pub fn webhook_events(&self) -> u64 {
        self.webhook_events.load(Ordering::SeqCst)
    }

    pub(crate) fn payment_created(&self) {
        self.payments_created.fetch_add(1, Ordering::SeqCst);
    }

    pub(crate) fn webhook_event(&self) {
        self.webhook_events.fetch_add(1, Ordering::SeqCst);
    }
}

/// The stores, and the limiters of the layers.
pub(crate) struct Stores {
    pub(crate) state: AppState,
    pub(crate) verifier: ApiKeyVerifier<Arc<dyn ApiKeyStore>>,
    pub(crate) free: Arc<dyn RateLimiter>,
    pub(crate) paid: Arc<dyn RateLimiter>,
    pub(crate) anonymous: Arc<dyn RateLimiter>,
    pub(crate) failed_auth: FailedAuthLimit,
}

/// Why the service could not start.
#[derive(Debug)]
pub struct StartError(pub(crate) String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StartError {}

impl Stores {
    pub(crate) async fn new(config: &Config) -> Result<Stores, StartError> {
        let verifier_of = |secret| WebhookVerifier::standard(secret);
        let rl = &config.rate_limits;
        let stores = match &config.redis_url {
            None => {
                let api_keys: Arc<dyn ApiKeyStore> = Arc::new(MemoryApiKeyStore::new());
                let memory = |policy: &RateLimitPolicy| -> Arc<dyn RateLimiter> {
                    Arc::new(MemoryRateLimiter::new(policy.clone()))
                };
                Stores {
                    state: AppState {
                        data: Data::memory(),
                        api_keys: ApiKeyIssuer::new(Arc::clone(&api_keys), API_KEY_ENVIRONMENT),
                        idempotency: Idempotency::memory(),
                        webhook: WebhookEndpoint::new(verifier_of(config.webhook_secret.clone())),
                        counters: Counters::default(),
                        provider_latency: config.provider_latency,
                    },
                    verifier: ApiKeyVerifier::new(api_keys, API_KEY_ENVIRONMENT),
                    free: memory(&rl.free),
                    paid: memory(&rl.paid),
                    anonymous: memory(&rl.anonymous),
                    failed_auth: FailedAuthLimit::new(),
                }
            }
            Some(url) => {
                let conn = connect(url).await?;
                let prefix = &config.redis_prefix;
                let api_keys: Arc<dyn ApiKeyStore> =
                    Arc::new(RedisApiKeyStore::new(conn.clone()).prefix(format!("{prefix}apikey:")));
                let redis = |policy: &RateLimitPolicy, sub: &str| -> Arc<dyn RateLimiter> {
                    Arc::new(
                        RedisRateLimiter::from_manager(conn.clone(), policy.clone(), RedisOptions::default())
                            .prefix(format!("{prefix}{sub}:")),
                    )
                };
                let replay = RedisReplayStore::new(conn.clone()).prefix(format!("{prefix}webhook:"));
                let idempotency = RedisIdempotencyStore::new(conn.clone()).prefix(format!("{prefix}idem:"));
                Stores {
                    state: AppState {
                        data: Data::redis(conn.clone(), &format!("{prefix}data:")),
                        api_keys: ApiKeyIssuer::new(Arc::clone(&api_keys), API_KEY_ENVIRONMENT),
                        idempotency: Idempotency::new(idempotency),
                        webhook: WebhookEndpoint::new(verifier_of(config.webhook_secret.clone()).store(replay)),
                        counters: Counters::default(),
                        provider_latency: config.provider_latency,
                    },
                    verifier: ApiKeyVerifier::new(api_keys, API_KEY_ENVIRONMENT),
                    free: redis(&rl.free, "rl"),
                    paid: redis(&rl.paid, "rl"),
                    anonymous: redis(&rl.anonymous, "rl"),
                    // Refused credentials counted across instances too.
                    failed_auth: FailedAuthLimit::new()
                        .per_client(redis(&FailedAuthLimit::default_per_client_policy(), "authfail"))
                        .per_key(redis(&FailedAuthLimit::default_per_key_policy(), "authfail")),
                }
            }
        };
        Ok(stores)
    }
}

/// A Redis connection manager (it reconnects by itself after a failure).
async fn connect(url: &str) -> Result<ConnectionManager, StartError> {
    let client = redis::Client::open(url).map_err(|_| StartError("REDIS_URL is not a Redis URL".into()))?;
    client.get_connection_manager().await.map_err(|e| StartError(format!("cannot reach Redis: {e}")))
}
