//! Each rule of a `Policy`, with the exact routes it reports, and the
//! panic of `assert_policy` that fails a `cargo test`.

use apishield::audit::{Audit, Policy, Rule, assert_policy};
use apishield::axum::{AuthenticationLayer, RateLimitLayer};
use apishield::prelude::*;
use apishield::routing::{Routes, get, post};
use axum::extract::Path;

use super::service;

#[public]
async fn status() -> &'static str {
    "up"
}

#[public]
async fn login(axum::Json(_): axum::Json<serde_json::Value>) -> &'static str {
    "token"
}

async fn order(principal: Principal, Path(id): Path<u64>) -> axum::Json<u64> {
    let _ = principal;
    axum::Json(id)
}

async fn create(principal: Principal, SecureJson(t): SecureJson<service::Transfer>) -> String {
    let _ = (principal, t.role);
    "created".to_owned()
}

async fn hook(principal: Principal) -> &'static str {
    let _ = principal;
    "seen"
}

/// A service with one mistake of each kind: `/admin/status` is public,
/// `/orders/{id}` checks no owner and answers raw JSON, `/login` reads raw
/// JSON and is not idempotent (nor is `/orders`), `/webhooks/stripe` takes
/// no signature, and `/late` is added after every layer.
fn audit() -> Audit {
    let routes: Routes = Routes::new()
        .route("/admin/status", get(status))
        .route("/orders/{id}", get(order))
        .route("/orders", post(create))
        .route("/login", post(login))
        .route("/webhooks/stripe", post(hook))
        .layer(RateLimitLayer::new(MemoryRateLimiter::new(RateLimitPolicy::free())))
        .layer(AuthenticationLayer::new().jwt(service::validator()))
        .safe_defaults(service::defaults())
        .route("/late", get(hook));
    Audit::of(&routes)
}

/// `METHOD path rule` of each violation.
fn reported(audit: &Audit, policy: &Policy) -> Vec<String> {
    policy.check(audit).iter().map(|v| format!("{} {} {}", v.method, v.path, v.rule)).collect()
}

#[test]
fn each_rule_reports_exactly_its_routes() {
    let audit = audit();
    let cases: Vec<(Policy, Vec<&str>)> = vec![
        (Policy::new().authentication_layer(), vec!["GET /late authentication_layer"]),
        (Policy::new().no_public_under("/admin"), vec!["GET /admin/status no_public_under"]),
        (Policy::new().roles_under("/admin"), vec!["GET /admin/status roles_under"]),
        (Policy::new().owner_checked(), vec!["GET /orders/{id} owner_checked"]),
        (Policy::new().inputs_bounded(), vec!["POST /login inputs_bounded"]),
        (Policy::new().responses_filtered(), vec!["GET /orders/{id} responses_filtered"]),
        (Policy::new().rate_limited(), vec!["GET /late rate_limited"]),
        (Policy::new().safe_defaults(), vec!["GET /late safe_defaults"]),
        (
            Policy::new().mutations_idempotent(),
            vec![
                "POST /orders mutations_idempotent",
                "POST /login mutations_idempotent",
                "POST /webhooks/stripe mutations_idempotent",
            ],
        ),
        (Policy::new().webhooks_verified(), vec!["POST /webhooks/stripe webhooks_verified"]),
        (
            Policy::new().jwt_asymmetric_short_lived(),
            vec![
                "GET /admin/status jwt_asymmetric_short_lived",
                "GET /orders/{id} jwt_asymmetric_short_lived",
                "POST /orders jwt_asymmetric_short_lived",
                "POST /login jwt_asymmetric_short_lived",
                "POST /webhooks/stripe jwt_asymmetric_short_lived",
            ],
        ),
        (
            Policy::new().https(),
            vec![
                // SafeDefaults bring the HTTPS layer: only the route added after them.
                "GET /late https",
            ],
        ),
    ];
    for (policy, expected) in cases {
        assert_eq!(reported(&audit, &policy), expected, "{:?}", policy.rules());
    }
}

#[test]
fn messages_say_what_is_wrong_and_the_fix() {
    let audit = audit();
    let lines: Vec<String> = Policy::new()
        .mutations_idempotent()
        .jwt_asymmetric_short_lived()
        .check(&audit)
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        lines[0],
        r#"POST /orders: a mutation that is not #[idempotent] (rule: mutations_idempotent; fix: add #[idempotent] or .exempt("POST", "/orders"))"#
    );
    assert_eq!(
        lines[3],
        "GET /admin/status: accepts symmetric JWTs (HS256); accepts JWTs living up to 3600 s (rule: \
         jwt_asymmetric_short_lived; fix: validate with an asymmetric key (RS256, ES256, EdDSA) and .max_lifetime(15 \
         min) or less)"
    );
}

#[test]
fn exemptions_hold_for_their_rule_only() {
    let audit = audit();
    let policy = Policy::new()
        .mutations_idempotent()
        .exempt("POST", "/login")
        .exempt_from(Rule::MutationsIdempotent, "post", "/webhooks/stripe")
        .rate_limited()
        .exempt_from(Rule::InputsBounded, "GET", "/late");
    assert_eq!(
        reported(&audit, &policy),
        ["POST /orders mutations_idempotent", "GET /late rate_limited"],
        "the login is exempt from idempotency, not from rate limits"
    );
    // The checklist lists the exemptions apart from the faults.
    let audit = audit.with_policy(&policy);
    let finding = audit.finding(apishield::audit::Item::IdempotencyKeys);
    assert_eq!(finding.at_fault, ["POST /orders"]);
    assert_eq!(finding.exempt, ["POST /login", "POST /webhooks/stripe"]);
    assert_eq!(audit.violations().len(), 2);
}

#[test]
fn the_recommended_policy_on_the_test_service() {
    // Its mistakes: HS256 JWTs living an hour, the legacy route. The HTTPS
    // layer is not in `service::routes()`: every route is exempt from it.
    let mut policy = Policy::recommended().exempt("POST", "/legacy");
    let audit = Audit::of(&service::routes());
    for e in audit.entries() {
        policy = policy.exempt_from(Rule::Https, &e.method, &e.path);
    }
    let reported = reported(&audit, &policy);
    assert_eq!(
        reported,
        [
            "GET /health jwt_asymmetric_short_lived",
            "POST /transfers jwt_asymmetric_short_lived",
            "GET /users/{user_id}/receipts jwt_asymmetric_short_lived",
            "GET /admin/log jwt_asymmetric_short_lived",
            "POST /legacy jwt_asymmetric_short_lived",
            "POST /webhooks/events jwt_asymmetric_short_lived",
            "POST /legacy inputs_bounded",
            "POST /legacy responses_filtered",
        ]
    );
}

#[test]
#[should_panic(
    expected = "2 route(s) break the policy:\nGET /admin/status: a public route under /admin (rule: no_public_under; fix: remove #[public] and take a Principal or #[requires_role(..)])\nGET /late: no RateLimit layer (rule: rate_limited; fix: add `.layer(RateLimitLayer::new(..))` after this route, or .exempt_from(Rule::RateLimited, \"GET\", \"/late\"))"
)]
fn assert_policy_panics_with_one_line_per_violation() {
    assert_policy(&audit(), &Policy::new().no_public_under("/admin").rate_limited());
}
