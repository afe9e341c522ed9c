//! The OpenAPI document of the audit's test service (and of a few routes
//! more): what each route requires, reads and answers, from the same
//! facts the audit reads.

use apishield::auth::api_key::{ApiKeyEnvironment, ApiKeyVerifier, MemoryApiKeyStore};
use apishield::axum::{AuthenticationLayer, SecureJson, SecureQuery};
use apishield::openapi::OpenApi;
use apishield::prelude::*;
use apishield::routing::{Routes, get};
use serde_json::{Value, json};

use crate::service;

#[secure_request(query)]
pub struct Search {
    #[shield(len = 1..=40)]
    pub q: String,
    #[shield(range = 1..=100, default = 20)]
    pub limit: u32,
    #[shield(max_items = 5, each(one_of = ["open", "shipped"]))]
    pub status: Vec<String>,
}

#[secure_response]
pub struct Hit {
    pub id: u64,
}

#[requires_scope("search:read")]
async fn search(principal: Principal, SecureQuery(s): SecureQuery<Search>) -> SecureJson<Vec<Hit>> {
    let _ = (principal, s.q);
    SecureJson(vec![Hit { id: 1 }])
}

fn document() -> Value {
    OpenApi::new("service", "1.2.3").description("A test.").document(service::routes().entries())
}

#[test]
fn the_header_and_the_schemes_in_use() {
    let doc = document();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"], json!({ "title": "service", "version": "1.2.3", "description": "A test." }));
    // JWTs only: no API-key scheme is declared.
    let schemes = doc["components"]["securitySchemes"].as_object().unwrap();
    assert_eq!(schemes.keys().collect::<Vec<_>>(), ["bearerAuth"]);
}

#[test]
fn each_route_says_what_it_requires() {
    let doc = document();
    let paths = &doc["paths"];
    let health = &paths["/health"]["get"];
    assert_eq!(health["security"], json!([]));
    let codes = |op: &Value| op["responses"].as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        codes(health),
        ["200", "429", "500", "503"],
        "no 401 on a public route; the rate limit's 429, and 503 when its store is down"
    );
    assert!(health["responses"]["200"].get("content").is_none(), "a &str answer has no JSON schema");

    let transfer = &paths["/transfers"]["post"];
    assert_eq!(transfer["security"], json!([{ "bearerAuth": [] }]));
    assert_eq!(transfer["parameters"][0]["name"], "Idempotency-Key");
    assert_eq!(codes(transfer), ["200", "400", "401", "409", "413", "422", "429", "500", "503"]);
    assert_eq!(
        transfer["requestBody"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/Transfer"
    );
    assert_eq!(
        transfer["responses"]["200"]["content"]["application/json"]["schema"]["$ref"], "#/components/schemas/Receipt",
        "Result<SecureJson<Receipt>, ApiError>"
    );
    let transfer_schema = &doc["components"]["schemas"]["Transfer"];
    assert_eq!(transfer_schema["properties"]["amount_cents"]["maximum"], 10_000);

    let receipts = &paths["/users/{user_id}/receipts"]["get"];
    assert_eq!(
        receipts["parameters"],
        json!([{ "name": "user_id", "in": "path", "required": true, "schema": { "type": "string" } }])
    );
    assert!(receipts["responses"]["403"].is_object() && receipts["responses"]["404"].is_object());
    assert_eq!(receipts["x-apishield"]["ownerChecked"], true);

    assert_eq!(paths["/admin/log"]["get"]["x-apishield"]["roles"], json!(["admin"]));

    let webhook = &paths["/webhooks/events"]["post"];
    assert_eq!(webhook["security"], json!([]), "authenticated by its signature");
    assert!(webhook["responses"]["401"].is_object());
    assert_eq!(webhook["requestBody"]["content"]["application/json"]["schema"], json!({}), "a raw payload type");

    let legacy = &paths["/legacy"]["post"];
    assert!(legacy["responses"]["200"].get("content").is_none(), "an unfiltered axum::Json has no schema");
}

#[test]
fn query_types_become_parameters_and_lists_arrays() {
    let keys = ApiKeyVerifier::new(MemoryApiKeyStore::new(), ApiKeyEnvironment::Test);
    let routes: Routes = Routes::new().route("/search", get(search)).layer(AuthenticationLayer::new().api_keys(keys));
    let doc = OpenApi::new("search", "1").document(routes.entries());
    let op = &doc["paths"]["/search"]["get"];
    assert_eq!(op["security"], json!([{ "apiKeyAuth": ["search:read"] }]));
    assert_eq!(doc["components"]["securitySchemes"]["apiKeyAuth"]["scheme"], "ApiKey");
    let parameters = op["parameters"].as_array().unwrap();
    let by_name = |name: &str| parameters.iter().find(|p| p["name"] == name).unwrap().clone();
    assert_eq!(
        by_name("q"),
        json!({ "name": "q", "in": "query", "required": true,
        "schema": { "type": "string", "minLength": 1, "maxLength": 40 } })
    );
    assert_eq!(by_name("limit")["schema"]["default"], 20);
    assert!(by_name("limit").get("required").is_none());
    assert_eq!(by_name("status")["explode"], true);
    assert_eq!(by_name("status")["schema"]["items"]["enum"], json!(["open", "shipped"]));
    assert_eq!(
        op["responses"]["200"]["content"]["application/json"]["schema"],
        json!({ "type": "array", "items": { "$ref": "#/components/schemas/Hit" } })
    );
    assert!(op.get("requestBody").is_none());
}

#[test]
fn operation_ids_are_unique_when_a_handler_serves_two_routes() {
    let routes: Routes = Routes::new().route("/hits", get(search)).route("/v2/hits", get(search));
    let doc = OpenApi::new("search", "1").document(routes.entries());
    let first = &doc["paths"]["/hits"]["get"]["operationId"];
    let second = &doc["paths"]["/v2/hits"]["get"]["operationId"];
    assert_eq!(first, "openapi_search");
    assert_eq!(second, "openapi_search_2");
}
