//! A small service: a public health check, an idempotent payment, an
//! owner-checked listing, a role-guarded admin route, a webhook, and one
//! legacy route that reads and answers raw JSON; behind a rate limit,
//! authentication (HS256 JWTs living an hour: flagged) and the safe defaults.

use std::time::Duration;

use apishield::audit::{Audit, Item, Status};
use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtKey, JwtValidator};
use apishield::axum::{ApiError, AuthenticationLayer, RateLimitLayer, SafeDefaults, SecureJson, WebhookEndpoint};
use apishield::prelude::*;
use apishield::routing::{Routes, get, post};
use apishield::webhook::WebhookVerifier;
use axum::extract::Path;
use axum::http::StatusCode;
use serde_json::json;

#[secure_request]
pub struct Transfer {
    #[shield(range = 1..=10_000)]
    pub amount_cents: u32,
    #[shield(one_of = ["user", "merchant"], client_settable)]
    pub role: String,
}

#[secure_response]
pub struct Receipt {
    pub id: u64,
}

#[derive(serde::Deserialize)]
pub struct Event {
    pub id: String,
}

#[public]
pub(crate) async fn health() -> &'static str {
    "ok"
}

#[idempotent]
pub(crate) async fn transfer(
    _key: IdempotencyKey,
    principal: Principal,
    SecureJson(t): SecureJson<Transfer>,
) -> Result<SecureJson<Receipt>, ApiError> {
    let _ = (principal, t.role);
    Ok(SecureJson(Receipt { id: u64::from(t.amount_cents) }))
}

#[owned_by(user_id)]
pub(crate) async fn receipts(principal: Principal, Path(user_id): Path<u64>) -> Result<String, ApiError> {
    let _ = principal;
    Ok(format!("receipts of {user_id}"))
}

#[requires_role("admin")]
pub(crate) async fn audit_log() -> SecureJson<Receipt> {
    SecureJson(Receipt { id: 0 })
}

pub(crate) async fn event(event: Verified<Event>) -> StatusCode {
    let _ = &event.id;
    StatusCode::NO_CONTENT
}

pub(crate) async fn legacy(
    principal: Principal,
    axum::Json(v): axum::Json<serde_json::Value>,
) -> Result<axum::Json<serde_json::Value>, String> {
    let _ = principal;
    Ok(axum::Json(v))
}

pub(crate) fn validator() -> JwtValidator {
    let key = JwtKey::hmac(JwtAlgorithm::HS256, &HmacSecret::generate().unwrap()).unwrap();
    JwtValidator::builder(key)
        .issuer("https://id.example.com")
        .audience("pay")
        .max_lifetime(Duration::from_secs(3600))
        .build()
}

pub(crate) fn defaults() -> SafeDefaults {
    SafeDefaults::new(cors! { origins: ["https://pay.example.com"], methods: [GET, POST], credentials: true })
}

pub(crate) fn routes() -> Routes {
    let webhook = WebhookEndpoint::new(WebhookVerifier::standard(WebhookSecret::generate().unwrap()));
    Routes::new()
        .route("/health", get(health))
        .route("/transfers", post(transfer))
        .route("/users/{user_id}/receipts", get(receipts))
        .route("/admin/log", get(audit_log))
        .route("/legacy", post(legacy))
        .route("/webhooks/events", post(event).with_state(webhook))
        .layer(RateLimitLayer::new(MemoryRateLimiter::new(RateLimitPolicy::free())))
        .layer(AuthenticationLayer::new().jwt(validator()))
        .safe_defaults(defaults())
}

fn audit() -> Audit {
    Audit::of(&routes()).retain_types(|t| t.module == module_path!())
}

#[test]
fn statuses_of_the_checklist() {
    let audit = audit();
    let status = |item| audit.finding(item).status;
    assert_eq!(status(Item::AllEndpointsAuthenticated), Status::Enforced);
    assert_eq!(status(Item::JwtAsymmetricShortExpiry), Status::Missing, "HS256, an hour");
    assert_eq!(status(Item::OwnershipChecks), Status::Enforced);
    assert_eq!(status(Item::RoleChecks), Status::Enforced);
    assert_eq!(status(Item::MassAssignment), Status::Partial);
    assert_eq!(status(Item::GenericErrors), Status::Partial, "the legacy route's String errors");
    assert_eq!(status(Item::Https), Status::Enforced, "in the safe defaults");
    assert_eq!(status(Item::WebhookSignatures), Status::Enforced);
    assert_eq!(status(Item::IdempotencyKeys), Status::Partial, "POST /legacy");
    assert_eq!(status(Item::ParameterizedQueries), Status::OutOfScope);
    assert_eq!(audit.finding(Item::MassAssignment).at_fault, ["POST /legacy"]);
}

#[test]
fn the_json_report() {
    let json = audit().to_json();
    let checklist = vec![
        json!({"at_fault": [], "enforced_at": ["compile_time", "run_time"], "evidence": "compile time: routing::get, post, .. refuse a handler neither authenticated nor #[public]. run time: 4 routes need a caller, 4 behind Authentication (401 without one); 1 authenticated by a webhook signature; #[public]: GET /health", "exempt": [], "fix": null, "item": "all_endpoints_authenticated", "section": "authentication", "status": "enforced", "title": "All endpoints require authentication (unless explicitly public)"}),
        json!({"at_fault": [], "enforced_at": ["compile_time", "run_time"], "evidence": "run time: Authentication reads API keys only from `Authorization: ApiKey ..` and answers 400 credential_in_query to a credential in the query string, on 6 of 6 routes; API keys: not accepted by any layer. compile time: #[secure_request(query)] refuses credential field names", "exempt": [], "fix": null, "item": "api_keys_in_headers", "section": "authentication", "status": "enforced", "title": "API keys are in headers, not URLs"}),
        json!({"at_fault": ["GET /health", "POST /transfers", "GET /users/{user_id}/receipts", "GET /admin/log", "POST /legacy", "POST /webhooks/events"], "enforced_at": ["run_time"], "evidence": "run time: algorithms from the configuration, never from the token; `none` never validates; lifetimes over the maximum refused. https://id.example.com: HS256, at most 3600 s", "exempt": [], "fix": "validate with an asymmetric key (RS256, ES256, EdDSA) and `.max_lifetime(..)` of 15 minutes or less", "item": "jwt_asymmetric_short_expiry", "section": "authentication", "status": "missing", "title": "JWTs use RS256 with short expiry"}),
        json!({"at_fault": [], "enforced_at": [], "evidence": "a resource server validates tokens; PKCE is between a public client and the authorization server. apishield::auth::pkce has the S256 verifier and challenge for clients", "exempt": [], "fix": null, "item": "oauth_pkce", "section": "authentication", "status": "out_of_scope", "title": "OAuth 2.0 with PKCE for public clients"}),
        json!({"at_fault": [], "enforced_at": ["run_time"], "evidence": "API keys: ApiKeyIssuer::rotate (a successor and a grace period; each key rotated once). JWT keys: `kid` picks the key from a JWK set. Webhook secrets: several verified at once. Refresh tokens: auth::token::TokenService rotates them on every use and revokes the family on reuse; whether the token endpoint uses it is not visible here", "exempt": [], "fix": "mint and refresh tokens through apishield::auth::token::TokenService", "item": "token_rotation", "section": "authentication", "status": "partial", "title": "Token rotation implemented"}),
        json!({"at_fault": [], "enforced_at": ["compile_time", "run_time"], "evidence": "run time: #[owned_by] handlers check the path parameter before their code (403): 1; handlers answering Authorized<T>: 0. compile time: #[owned_by] types, which leave the server only as Authorized<T>: 0. Routes with a path parameter that need a caller and no role: 1", "exempt": [], "fix": null, "item": "ownership_checks", "section": "authorization", "status": "enforced", "title": "Ownership check on every data access (BOLA prevention)"}),
        json!({"at_fault": [], "enforced_at": ["run_time"], "evidence": "run time: #[requires_role] answers 403 before the body is read. 1 route with `admin` in the path; roles required on: GET /admin/log (admin)", "exempt": [], "fix": null, "item": "role_checks", "section": "authorization", "status": "enforced", "title": "Role check on every privileged operation"}),
        json!({"at_fault": ["POST /legacy"], "enforced_at": ["compile_time", "run_time"], "evidence": "run time: #[secure_request] types refuse unknown fields; compile time: they refuse privileged names unless `one_of` or `client_settable` (deliberately client-settable: Transfer.role). 3 routes read a body or query string: through #[secure_request] types 1, webhook payloads 1, unbounded 1", "exempt": [], "fix": "read a #[secure_request] type: SecureJson<T> for a body, SecureQuery<T> for a query string", "item": "mass_assignment", "section": "authorization", "status": "partial", "title": "Mass assignment protection (explicit field allowlists)"}),
        json!({"at_fault": ["POST /legacy"], "enforced_at": ["compile_time"], "evidence": "compile time: a #[secure_response] type sends only its listed fields and refuses secret-named ones. 2 of 3 routes answering JSON answer such types; 3 routes answer no JSON the audit can see", "exempt": [], "fix": "answer SecureJson<T> of a #[secure_response] type, or Authorized<T>", "item": "response_filtering", "section": "authorization", "status": "partial", "title": "Response schemas filter sensitive fields"}),
        json!({"at_fault": ["POST /legacy"], "enforced_at": ["compile_time", "run_time"], "evidence": "run time: a #[secure_request] type is validated while it is parsed (422 with every field's error, never the value); compile time: every field has its rules. 3 routes read a body or query string: through #[secure_request] types 1, webhook payloads 1, unbounded 1", "exempt": [], "fix": "read a #[secure_request] type: SecureJson<T> for a body, SecureQuery<T> for a query string", "item": "schema_validation", "section": "input_output", "status": "partial", "title": "Schema validation on all inputs"}),
        json!({"at_fault": ["POST /legacy"], "enforced_at": ["compile_time", "run_time"], "evidence": "compile time: #[secure_request] bounds every string, number and collection. run time: body limit 1048576 bytes (SafeDefaults; SecureJson alone: 1 MiB); files: UploadPolicy where the handler calls it (not visible to the audit). 3 routes read a body or query string: through #[secure_request] types 1, webhook payloads 1, unbounded 1", "exempt": [], "fix": "read a #[secure_request] type: SecureJson<T> for a body, SecureQuery<T> for a query string", "item": "size_limits", "section": "input_output", "status": "partial", "title": "Size limits on all fields, arrays, and files"}),
        json!({"at_fault": [], "enforced_at": [], "evidence": "apishield does not reach the database: use sqlx's checked queries (`query!`, `query_as!`) or bound parameters, never SQL built with format!", "exempt": [], "fix": null, "item": "parameterized_queries", "section": "input_output", "status": "out_of_scope", "title": "Parameterized queries (no string concatenation)"}),
        json!({"at_fault": ["POST /legacy"], "enforced_at": ["run_time"], "evidence": "run time: apishield's own answers (401, 403, 413, 415, 422, 429, ..) are problem+json with a generic title and the request id, the cause only in the logs. The handlers' own bodies are the team's; error types of their own: String", "exempt": [], "fix": "return ApiError (problem+json, a generic title, the cause only in the logs)", "item": "generic_errors", "section": "input_output", "status": "partial", "title": "Generic error messages (no stack traces)"}),
        json!({"at_fault": [], "enforced_at": ["run_time"], "evidence": "run time: plain HTTP refused on 6 of 6 routes, HSTS only on HTTPS answers. TLS 1.2+ is the TLS terminator's setting (rustls: 1.2 and 1.3 only)", "exempt": [], "fix": null, "item": "https", "section": "transport", "status": "enforced", "title": "HTTPS everywhere (TLS 1.2+)"}),
        json!({"at_fault": [], "enforced_at": ["run_time"], "evidence": "run time (SafeDefaults): x-content-type-options x-frame-options x-xss-protection strict-transport-security content-security-policy referrer-policy permissions-policy cache-control pragma", "exempt": [], "fix": null, "item": "security_headers", "section": "transport", "status": "enforced", "title": "Security headers set"}),
        json!({"at_fault": [], "enforced_at": ["compile_time", "run_time"], "evidence": "compile time: cors! refuses `*` with credentials, `null` and plain-http origins. run time: origins https://pay.example.com, methods GET POST, credentials yes", "exempt": [], "fix": null, "item": "cors", "section": "transport", "status": "enforced", "title": "CORS explicitly configured"}),
        json!({"at_fault": [], "enforced_at": ["run_time"], "evidence": "run time (SafeDefaults): Strict-Transport-Security: max-age=31536000; includeSubDomains; preload", "exempt": [], "fix": null, "item": "hsts", "section": "transport", "status": "enforced", "title": "HSTS enabled"}),
        json!({"at_fault": [], "enforced_at": ["run_time"], "evidence": "run time: RateLimit per caller, else per client address, on 6 of 6 routes (RateLimit-Policy: \"minute\";q=60;w=60, \"hour\";q=1000;w=3600); refused credentials throttled by Authentication on 6 routes", "exempt": [], "fix": null, "item": "rate_limiting", "section": "operations", "status": "enforced", "title": "Rate limiting per user/IP"}),
        json!({"at_fault": [], "enforced_at": ["run_time"], "evidence": "run time (SafeDefaults): a request id of the server's on every answer (X-Request-Id), log line (the `request` span) and error body, on 6 of 6 routes", "exempt": [], "fix": null, "item": "correlation_ids", "section": "operations", "status": "enforced", "title": "Request logging with correlation IDs"}),
        json!({"at_fault": [], "enforced_at": ["compile_time", "run_time"], "evidence": "run time: Verified<T> checks the HMAC-SHA256 signature in constant time, a 300 s tolerance and replays by event id; compile time: only a Verified<T> reaches the handler. Verified: POST /webhooks/events", "exempt": [], "fix": null, "item": "webhook_signatures", "section": "operations", "status": "enforced", "title": "Webhook signatures verified"}),
        json!({"at_fault": ["POST /legacy"], "enforced_at": ["run_time"], "evidence": "run time: #[idempotent] runs a handler once per Idempotency-Key and replays its answer. POST and PATCH routes: 2, keyed: 1; keyed in all: 1; webhooks are deduplicated by event id. PUT and DELETE without a key (idempotent by HTTP semantics, a retry still runs twice): none", "exempt": [], "fix": "add #[idempotent] to the handler (an Idempotency-Key is then required), or exempt it in the Policy", "item": "idempotency_keys", "section": "operations", "status": "partial", "title": "Idempotency keys for mutations"}),
        json!({"at_fault": [], "enforced_at": ["ci"], "evidence": "not a property of the program's routes: `cargo audit` checks Cargo.lock against the RustSec advisories in CI (.ci/run)", "exempt": [], "fix": null, "item": "dependency_scanning", "section": "operations", "status": "out_of_scope", "title": "Dependencies scanned for CVEs"}),
    ];
    let routes = vec![
        json!({"access": "public", "handler": "audit::service::health", "idempotent": false, "inputs": [], "layers": ["RateLimitLayer", "AuthenticationLayer", "SafeDefaults", "HttpsLayer"], "method": "GET", "owner_checked": false, "path": "/health", "rate_limited": true, "response": {"kind": "other", "type": "&str"}, "roles": [], "scopes": []}),
        json!({"access": "auth", "handler": "audit::service::transfer", "idempotent": true, "inputs": [{"bounded": true, "extractor": "SecureJson<Transfer>", "request_type": "Transfer", "source": "body"}], "layers": ["RateLimitLayer", "AuthenticationLayer", "SafeDefaults", "HttpsLayer"], "method": "POST", "owner_checked": false, "path": "/transfers", "rate_limited": true, "response": {"kind": "filtered", "type": "Result<SecureJson<Receipt>, ApiError>"}, "roles": [], "scopes": []}),
        json!({"access": "auth", "handler": "audit::service::receipts", "idempotent": false, "inputs": [{"bounded": true, "extractor": "Path<u64>", "request_type": null, "source": "path"}], "layers": ["RateLimitLayer", "AuthenticationLayer", "SafeDefaults", "HttpsLayer"], "method": "GET", "owner_checked": true, "path": "/users/{user_id}/receipts", "rate_limited": true, "response": {"kind": "other", "type": "Result<String, ApiError>"}, "roles": [], "scopes": []}),
        json!({"access": "role admin", "handler": "audit::service::audit_log", "idempotent": false, "inputs": [], "layers": ["RateLimitLayer", "AuthenticationLayer", "SafeDefaults", "HttpsLayer"], "method": "GET", "owner_checked": false, "path": "/admin/log", "rate_limited": true, "response": {"kind": "filtered", "type": "SecureJson<Receipt>"}, "roles": ["admin"], "scopes": []}),
        json!({"access": "auth", "handler": "audit::service::legacy", "idempotent": false, "inputs": [{"bounded": false, "extractor": "Json<Value>", "request_type": null, "source": "body"}], "layers": ["RateLimitLayer", "AuthenticationLayer", "SafeDefaults", "HttpsLayer"], "method": "POST", "owner_checked": false, "path": "/legacy", "rate_limited": true, "response": {"kind": "unfiltered_json", "type": "Result<Json<Value>, String>"}, "roles": [], "scopes": []}),
        json!({"access": "signed", "handler": "audit::service::event", "idempotent": false, "inputs": [{"bounded": true, "extractor": "Verified<Event>", "request_type": null, "source": "body"}], "layers": ["RateLimitLayer", "AuthenticationLayer", "SafeDefaults", "HttpsLayer"], "method": "POST", "owner_checked": false, "path": "/webhooks/events", "rate_limited": true, "response": {"kind": "other", "type": "StatusCode"}, "roles": [], "scopes": []}),
    ];
    let types = vec![
        json!({"fields": [{"name": "id", "rules": ""}], "kinds": ["response"], "module": "audit::service", "name": "Receipt", "owned_by": null}),
        json!({"fields": [{"name": "amount_cents", "rules": "range = 1..=10000"}, {"name": "role", "rules": "one_of = [\"user\", \"merchant\"], client_settable"}], "kinds": ["request_body"], "module": "audit::service", "name": "Transfer", "owned_by": null}),
    ];
    let expected = json!({
        "summary": {"enforced": 11, "missing": 1, "not_applicable": 0, "out_of_scope": 3, "partial": 7, "routes": 6, "types": 2},
        "checklist": checklist,
        "routes": routes,
        "types": types,
        "policy": null,
    });
    assert_eq!(json, expected, "{json:#}");
}
