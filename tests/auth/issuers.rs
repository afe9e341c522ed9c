//! One caller is (issuer, subject). A validator with two identity providers:
//! each key vouches only for its own issuer's tokens, and user `42` of the
//! home provider and user `42` of a partner's are two callers everywhere
//! state is keyed by caller: idempotency records, rate-limit budgets,
//! ownership. Over real HTTP, through the real `Authentication` layer.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use apishield::auth::jwt::{
    ExternalIssuer, JwtAlgorithm, JwtError, JwtIssuer, JwtKey, JwtKeys, JwtSigningKey, JwtValidator,
};
use apishield::axum::{ApiError, AuthenticationLayer, RateLimitLayer, SecureJson};
use apishield::prelude::*;
use apishield::rate_limit::{MemoryRateLimiter, Window};
use apishield::{CallerId, Principal};
use axum::Router;
use axum::extract::{Extension, Path};
use axum::http::StatusCode;
use axum::routing::{get, post};

const HOME: &str = "https://id.example.com";
const PARTNER: &str = "https://id.partner.example";
const AUD: &str = "orders-api";

fn key(file: &str, kid: &str) -> JwtKey {
    JwtKey::from_pem(JwtAlgorithm::RS256, &fixture(file)).unwrap().with_kid(kid).unwrap()
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/keys").join(name)).unwrap()
}

/// Signs with `private`'s key (kid `kid`) as issuer `iss`: a well-behaved
/// issuer, or an identity provider minting tokens in another's name.
fn minter(private: &str, kid: &str, iss: &str) -> JwtIssuer {
    let key = JwtSigningKey::from_pem(JwtAlgorithm::RS256, &fixture(private)).unwrap().with_kid(kid).unwrap();
    JwtIssuer::new(key, iss, AUD)
}

fn home_minter() -> JwtIssuer {
    minter("test_rsa_private.pem", "home-1", HOME)
}

fn partner_minter() -> JwtIssuer {
    minter("test_rsa_other_private.pem", "partner-1", PARTNER)
}

fn validator(trust_partner_roles: bool) -> JwtValidator {
    let partner = ExternalIssuer::new(PARTNER, key("test_rsa_other_public.pem", "partner-1"));
    let partner = if trust_partner_roles { partner.trust_roles() } else { partner };
    JwtValidator::builder(key("test_rsa_public.pem", "home-1"))
        .issuer(HOME)
        .external_issuer(partner)
        .audience(AUD)
        .build()
}

fn token(minter: &JwtIssuer, subject: &str, roles: &[&str]) -> String {
    minter.token(subject).roles(roles.iter().copied()).sign().unwrap().expose_secret().to_owned()
}

#[test]
fn each_key_vouches_only_for_its_own_issuer() {
    let validator = validator(false);
    let home = validator.validate(&token(&home_minter(), "42", &["admin"])).unwrap().principal();
    assert_eq!((home.issuer(), home.subject(), home.is_external(), home.is_admin()), (HOME, "42", false, true));
    let partner = validator.validate(&token(&partner_minter(), "42", &["admin"])).unwrap().principal();
    assert_eq!((partner.issuer(), partner.subject(), partner.is_external()), (PARTNER, "42", true));
    assert!(!partner.is_admin(), "a partner's roles are not this service's unless trusted");
    assert_ne!(home.caller(), partner.caller());

    // The partner's identity provider mints a home admin: refused.
    let forged = token(&minter("test_rsa_other_private.pem", "partner-1", HOME), "1", &["admin"]);
    assert_eq!(validator.validate(&forged).unwrap_err(), JwtError::UnknownKid);
    let forged = token(&minter("test_rsa_other_private.pem", "home-1", HOME), "1", &["admin"]);
    assert_eq!(validator.validate(&forged).unwrap_err(), JwtError::BadSignature);
    // And the other way round.
    let forged = token(&minter("test_rsa_private.pem", "partner-1", PARTNER), "7", &[]);
    assert_eq!(validator.validate(&forged).unwrap_err(), JwtError::BadSignature);
    // An issuer that is neither.
    let stranger = token(&minter("test_rsa_private.pem", "home-1", "https://evil.example"), "1", &[]);
    assert_eq!(validator.validate(&stranger).unwrap_err(), JwtError::WrongIssuer);

    let trusting = validator_trusting_roles();
    assert!(trusting.validate(&token(&partner_minter(), "42", &["admin"])).unwrap().principal().is_admin());
}

fn validator_trusting_roles() -> JwtValidator {
    validator(true)
}

#[test]
fn rotating_one_issuers_keys_leaves_the_others_alone() {
    let validator = validator(false);
    let partner_token = token(&partner_minter(), "42", &[]);
    assert!(validator.replace_external_keys(PARTNER, JwtKeys::new([key("test_rsa_public.pem", "p-2")]).unwrap()));
    assert!(!validator.replace_external_keys(HOME, key("test_rsa_public.pem", "x")), "the home issuer is not external");
    assert_eq!(validator.validate(&partner_token).unwrap_err(), JwtError::UnknownKid);
    assert!(validator.validate(&token(&home_minter(), "42", &[])).is_ok());
    assert_eq!(validator.issuers().collect::<Vec<_>>(), [HOME, PARTNER]);
}

#[owned_by(user_id)]
#[secure_response]
pub struct Order {
    pub id: u64,
    pub user_id: u64,
}

/// A document a partner's user may own: its owner is stored as the pair.
#[owned_by(owner)]
#[secure_response]
pub struct SharedDoc {
    pub id: u64,
    #[shield(skip)]
    pub owner: CallerId,
}

#[secure_response]
pub struct Payment {
    pub run: usize,
    pub issuer: String,
    pub subject: String,
}

#[derive(Clone, Default)]
struct Runs(Arc<AtomicUsize>);

#[idempotent]
async fn pay(
    _key: IdempotencyKey,
    principal: Principal,
    Extension(runs): Extension<Runs>,
) -> (StatusCode, SecureJson<Payment>) {
    let run = runs.0.fetch_add(1, Ordering::SeqCst) + 1;
    let payment = Payment { run, issuer: principal.issuer().to_owned(), subject: principal.subject().to_owned() };
    (StatusCode::CREATED, SecureJson(payment))
}

#[owned_by(user_id)]
async fn user_orders(principal: Principal, Path(user_id): Path<u64>) -> Result<String, ApiError> {
    let _ = principal;
    Ok(format!("orders of {user_id}"))
}

async fn order(principal: Principal, Path(id): Path<u64>) -> Result<Authorized<Order>, ApiError> {
    Ok(principal.authorize(Order { id, user_id: 42 })?)
}

async fn shared_doc(principal: Principal) -> Result<Authorized<SharedDoc>, ApiError> {
    Ok(principal.authorize(SharedDoc { id: 1, owner: CallerId::external(PARTNER, "42") })?)
}

async fn search() -> &'static str {
    "results"
}

async fn serve_app() -> (SocketAddr, Runs) {
    let runs = Runs::default();
    let limiter =
        MemoryRateLimiter::new(apishield::RateLimitPolicy::new(Default::default(), [Window::per_minute(2)]).unwrap());
    let app = Router::new()
        .route("/payments", post(pay))
        .route("/users/{user_id}/orders", get(user_orders))
        .route("/orders/{id}", get(order))
        .route("/docs/shared", get(shared_doc))
        .route("/search", get(search).layer(RateLimitLayer::new(limiter)))
        .layer(Extension(runs.clone()))
        .layer(AuthenticationLayer::new().jwt(validator(false)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, runs)
}

async fn call(addr: SocketAddr, method: &str, path: &str, token: &str) -> (u16, String) {
    let client = reqwest::Client::new();
    let request = match method {
        "POST" => client.post(format!("http://{addr}{path}")).header("idempotency-key", "pay-1"),
        _ => client.get(format!("http://{addr}{path}")),
    };
    let response = request.bearer_auth(token).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn users_42_of_two_issuers_share_no_idempotency_record() {
    let (addr, runs) = serve_app().await;
    let (home, partner) = (token(&home_minter(), "42", &[]), token(&partner_minter(), "42", &[]));
    let (status, body) = call(addr, "POST", "/payments", &home).await;
    assert_eq!(status, 201);
    assert!(body.contains(HOME), "{body}");
    let (status, body) = call(addr, "POST", "/payments", &partner).await;
    assert_eq!(status, 201);
    assert!(body.contains(PARTNER) && body.contains(r#""run":2"#), "the partner's 42 ran its own request: {body}");
    assert_eq!(runs.0.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn users_42_of_two_issuers_have_two_rate_limit_budgets() {
    let (addr, _) = serve_app().await;
    let (home, partner) = (token(&home_minter(), "42", &[]), token(&partner_minter(), "42", &[]));
    assert_eq!(call(addr, "GET", "/search", &home).await.0, 200);
    assert_eq!(call(addr, "GET", "/search", &home).await.0, 200);
    assert_eq!(call(addr, "GET", "/search", &home).await.0, 429);
    assert_eq!(call(addr, "GET", "/search", &partner).await.0, 200, "the partner's 42 has its own budget");
}

#[tokio::test]
async fn a_partners_user_42_owns_nothing_of_home_user_42() {
    let (addr, _) = serve_app().await;
    let home = token(&home_minter(), "42", &[]);
    let partner = token(&partner_minter(), "42", &[]);
    let partner_admin = token(&partner_minter(), "42", &["admin"]);
    assert_eq!(call(addr, "GET", "/users/42/orders", &home).await.0, 200);
    assert_eq!(call(addr, "GET", "/orders/1", &home).await.0, 200);
    for token in [&partner, &partner_admin] {
        assert_eq!(call(addr, "GET", "/users/42/orders", token).await.0, 403, "#[owned_by] on the handler");
        assert_eq!(call(addr, "GET", "/orders/1", token).await.0, 403, "principal.authorize");
    }
    // What a partner's user owns is stored as the pair.
    assert_eq!(call(addr, "GET", "/docs/shared", &partner).await.0, 200);
    assert_eq!(call(addr, "GET", "/docs/shared", &home).await.0, 403);
    // A forged token changes nothing.
    let forged = token(&minter("test_rsa_other_private.pem", "home-1", HOME), "42", &["admin"]);
    assert_eq!(call(addr, "GET", "/orders/1", &forged).await.0, 401);
}

/// A denylist knows a token by its issuer and `jti`: a partner's `jti` `42`
/// revoked leaves the home provider's `42` valid, and the other way round.
#[tokio::test]
async fn revoking_one_issuers_token_id_leaves_anothers_alone() {
    use apishield::auth::token::{AccessTokenDenylist, MemoryDenylist};
    let denylist = MemoryDenylist::new();
    let partner = ExternalIssuer::new(PARTNER, key("test_rsa_other_public.pem", "partner-1"));
    let validator = JwtValidator::builder(key("test_rsa_public.pem", "home-1"))
        .issuer(HOME)
        .external_issuer(partner)
        .audience(AUD)
        .denylist(denylist.clone())
        .build();
    let with_id = |minter: &JwtIssuer| minter.token("42").token_id("42").sign().unwrap().expose_secret().to_owned();
    let (home, partner) = (with_id(&home_minter()), with_id(&partner_minter()));
    let partners = validator.validate_async(&partner).await.unwrap();
    denylist.deny(&partners.revocation_id().unwrap(), partners.expires_at()).await.unwrap();
    assert_eq!(validator.validate_async(&partner).await.unwrap_err(), JwtError::Revoked);
    let homes = validator.validate_async(&home).await.expect("the home provider's 42 is another token");
    // A home token's entry is its bare jti (what TokenService denies).
    assert_eq!(homes.revocation_id().as_deref(), Some("42"));
    denylist.deny("42", homes.expires_at()).await.unwrap();
    assert_eq!(validator.validate_async(&home).await.unwrap_err(), JwtError::Revoked);
    let fresh_partner = with_id(&partner_minter());
    assert_eq!(validator.validate_async(&fresh_partner).await.unwrap_err(), JwtError::Revoked, "the partner's 42 too");
}
