//! A token service on a manual clock, with its validator, on either store.

use std::sync::Arc;

use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtIssuer, JwtKey, JwtSigningKey, JwtValidator};
use apishield::auth::token::{AccessTokenDenylist, MemoryRefreshTokenStore, RefreshTokenStore, TokenService};
use apishield::time::{Clock, ManualClock, SystemClock};
use redis::aio::ConnectionManager;

pub const ISSUER: &str = "https://auth.example.com";
pub const AUDIENCE: &str = "shop-api";

/// Everything a test needs: the service, a validator of its access tokens,
/// and the clock both read.
pub struct Setup {
    pub tokens: TokenService,
    pub validator: JwtValidator,
    pub clock: ManualClock,
}

/// A manual clock at the real time (Redis expiries are real times).
pub fn clock() -> ManualClock {
    ManualClock::from_secs(SystemClock.now_secs())
}

/// A service on `store`; with `denylist`, its validator asks it and the
/// service revokes into it.
pub fn setup(store: Arc<dyn RefreshTokenStore>, denylist: Option<Arc<dyn AccessTokenDenylist>>) -> Setup {
    let clock = clock();
    let secret = HmacSecret::generate().unwrap();
    let issuer = JwtIssuer::new(JwtSigningKey::hmac(JwtAlgorithm::HS256, &secret).unwrap(), ISSUER, AUDIENCE)
        .clock(clock.clone());
    let mut validator = JwtValidator::builder(JwtKey::hmac(JwtAlgorithm::HS256, &secret).unwrap())
        .issuer(ISSUER)
        .audience(AUDIENCE)
        .clock(clock.clone());
    if let Some(denylist) = &denylist {
        validator = validator.denylist(Arc::clone(denylist));
    }
    let validator = validator.build();
    let mut tokens = TokenService::new(issuer, store).clock(clock.clone()).validator(validator.clone());
    if let Some(denylist) = denylist {
        tokens = tokens.denylist(denylist);
    }
    Setup { tokens, validator, clock }
}

pub fn memory() -> Arc<dyn RefreshTokenStore> {
    Arc::new(MemoryRefreshTokenStore::new())
}

pub async fn redis_connection() -> Option<ConnectionManager> {
    let url = apishield_tests::redis_url()?;
    let client = redis::Client::open(url).unwrap();
    Some(client.get_connection_manager().await.unwrap())
}

/// Deletes every key under `prefix`.
pub async fn cleanup(conn: &mut ConnectionManager, prefix: &str) {
    let keys: Vec<String> = redis::cmd("KEYS").arg(format!("{prefix}*")).query_async(conn).await.unwrap();
    if !keys.is_empty() {
        redis::cmd("DEL").arg(&keys).query_async::<()>(conn).await.unwrap();
    }
}
