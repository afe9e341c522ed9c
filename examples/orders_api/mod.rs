//! `orders_api`: a complete service built with apishield, to read, run and
//! copy. `cargo run --example orders_api` starts it (see `main.rs`); the
//! tests (`tests/flagship`) and the load benchmark (`benches/benches/orders_api.rs`)
//! start it in-process through [`App`].
//!
//! | Module | What |
//! | --- | --- |
//! | [`config`] | settings from the environment, each with a default |
//! | [`dev`] | the development JWT issuer (test keys: never in production) |
//! | [`metrics`] | Prometheus metrics of the security decisions, on a loopback ops listener |
//! | [`state`] | the stores: memory, or Redis when `REDIS_URL` is set |
//! | [`store`] | the data (profiles, orders, payments), memory or Redis |
//! | [`routes`] | one module per resource |
//!
//! From the outside in, a request meets: the request id, the security
//! headers, the HTTPS policy (plain HTTP from loopback only), CORS (for the
//! configured origins), the body limit ([`SafeDefaults`]); authentication
//! (a JWT or an API key; a credential in the query string is refused); the
//! rate limit of the caller's tier; the route's own checks (role, scope,
//! owner, idempotency, webhook signature); the handler. Every error is
//! `application/problem+json` with a stable code and the request id.

pub mod config;
pub mod dev;
pub mod metrics;
pub mod routes;
pub mod state;
pub mod store;

use std::future::Future;
use std::net::SocketAddr;

use apishield::audit::{Audit, Policy, Rule};
use apishield::auth::api_key::ApiKeyKind;
use apishield::auth::jwt::JwtValidator;
use apishield::axum::{AuthenticationLayer, HttpsLayer, RateLimitLayer, SafeDefaults};
use apishield::cors::CorsPolicy;
use apishield::routing::Routes;
use apishield::{ApiKey, Secret};

pub use config::Config;
pub use state::{AppState, Counters, StartError};

/// The role whose callers get the paid rate-limit tier.
pub const PAID_ROLE: &str = "paid";

/// The service, built and not yet serving.
#[derive(Debug)]
pub struct App {
    routes: Routes,
    state: AppState,
}

/// Builds the service from `config`: its stores (connecting to Redis if
/// configured), routes and layers.
pub async fn app(config: &Config) -> Result<App, StartError> {
    let stores = state::Stores::new(config).await?;
    let jwt = JwtValidator::builder(config.jwt.keys.clone())
        .issuer(config.jwt.issuer.clone())
        .audience(config.jwt.audience.clone())
        .build();
    let cors = CorsPolicy::builder()
        .origins(config.origins.iter().map(String::as_str))
        // http://localhost origins for a front end's development server;
        // every other origin must be https.
        .insecure_localhost(true)
        .methods(["GET", "POST", "PUT", "DELETE"])
        .headers(["Authorization", "Content-Type", "Idempotency-Key"])
        .expose(["X-Request-Id", "Retry-After", "RateLimit", "RateLimit-Policy", "Idempotent-Replayed"])
        .credentials(true)
        .max_age(std::time::Duration::from_secs(600))
        .build()
        .map_err(|e| StartError(format!("ORDERS_API_ORIGINS: {e}")))?;
    let defaults = SafeDefaults::new(cors)
        // Plain HTTP from loopback only, for development. Behind a TLS
        // proxy: `HttpsLayer::new().trusted_proxies(..)`.
        .https(HttpsLayer::new().allow_plain_loopback())
        .body_limit(config.body_limit);
    let rate_limit = RateLimitLayer::new(stores.free).role(PAID_ROLE, stores.paid).anonymous(stores.anonymous);
    let api = routes::routes(rate_limit)
        .layer(AuthenticationLayer::new().jwt(jwt).api_keys(stores.verifier).failed_attempts(stores.failed_auth))
        .with_state(stores.state.clone());
    // The OpenAPI document of the routes as they are, layers included,
    // served by a public route inside the safe defaults.
    let openapi = routes::openapi::routes(api.entries());
    let routes = api.merge(openapi).safe_defaults(defaults);
    Ok(App { routes, state: stores.state })
}

impl App {
    /// The security audit of the routes: the checklist, per route.
    pub fn audit(&self) -> Audit {
        Audit::of(&self.routes).retain_types(|t| t.module.contains("orders_api")).with_policy(&policy())
    }

    /// Counts of handler runs (payments created, webhook events processed).
    pub fn counters(&self) -> Counters {
        self.state.counters.clone()
    }

    /// The state the handlers share.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Issues an API key for `owner` with every scope (the development key
    /// printed at start; what `POST /api-keys` does for a logged-in user
    /// whose login has every scope).
    pub async fn issue_api_key(&self, owner: &str) -> Result<ApiKey, StartError> {
        let (key, record) = self
            .state
            .api_keys
            .issue(ApiKeyKind::Secret, owner, routes::api_keys::KEY_SCOPES)
            .await
            .map_err(|e| StartError(format!("cannot issue an API key: {e}")))?;
        self.state
            .data
            .add(&format!("keys-of:{owner}"), &record.hash().to_hex())
            .await
            .map_err(|e| StartError(e.to_string()))?;
        Ok(key)
    }

    /// The axum router, ready to serve.
    pub fn into_router(self) -> axum::Router {
        self.routes.into_router()
    }
}

/// The team's rules for these routes, checked by a test
/// (`assert_policy(&app.audit(), &policy())`).
pub fn policy() -> Policy {
    Policy::recommended()
        // Their answers carry a new API key: kept in an idempotency record,
        // it would outlive the one answer meant to show it.
        .exempt("POST", "/api-keys")
        .exempt("POST", "/api-keys/{key_id}/rotate")
        // It answers the new key, not the old key's record: the handler
        // authorizes the old record (`principal.authorize`) before rotating.
        .exempt_from(Rule::OwnerChecked, "POST", "/api-keys/{key_id}/rotate")
        // Health checks are not rate limited (see `routes::routes`).
        .exempt_from(Rule::RateLimited, "GET", "/health")
        // A document rendered once at start, served from memory; its route
        // is added outside the layers it describes.
        .exempt_from(Rule::RateLimited, "GET", "/openapi.json")
}

/// Serves `router` on `listener` until `shutdown` completes, then finishes
/// the requests in flight. Every request carries its peer address (the key
/// of the anonymous rate limit and of the failed-login brake).
///
/// Plain HTTP, as behind a load balancer that terminates TLS (then
/// `HttpsLayer::new().trusted_proxies(..)` with the balancer's networks).
/// To serve TLS from this process instead, accept the connections through
/// rustls (for example `tokio-rustls`'s `TlsAcceptor`, or `axum-server`'s
/// `bind_rustls`) with rustls's defaults, which offer TLS 1.3 and 1.2 and
/// nothing older, and configure `HttpsLayer::new().tls_terminated_here()`
/// so every request counts as HTTPS and HSTS is sent.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}

/// A development token (see [`dev`]): what `main` prints.
pub fn dev_token(subject: &str, roles: &[&str]) -> Result<Secret<String>, StartError> {
    let issuer = dev::DevIssuer::new().map_err(|e| StartError(e.to_string()))?;
    issuer.user_token(subject, roles).map_err(|e| StartError(e.to_string()))
}
