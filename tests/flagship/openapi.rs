//! `GET /openapi.json`: the document says what the service enforces, route
//! by route, because it is generated from the same routes.

use serde_json::Value;

use crate::support::{Env, route_entries, test_config};

async fn document() -> Value {
    let env = Env::memory(test_config()).await;
    let reply = env.send("GET", "/openapi.json", None, None).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    assert!(reply.header("x-request-id").is_some(), "inside the safe defaults");
    reply.json()
}

/// Every `$ref` anywhere in `value`.
fn refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                match (key.as_str(), v) {
                    ("$ref", Value::String(r)) => out.push(r),
                    _ => refs(v, out),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_lists_every_route_with_what_it_requires() {
    let doc = document().await;
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    // Every route of the service is there (routes registered without methods aside).
    for entry in route_entries().await.iter().filter(|e| e.method != "*") {
        let op = &paths[&entry.path][entry.method.to_ascii_lowercase()];
        assert!(op.is_object(), "{} {} is missing", entry.method, entry.path);
    }

    // Public routes need no credential; the others a JWT or an API key.
    assert_eq!(paths["/health"]["get"]["security"], serde_json::json!([]));
    assert_eq!(paths["/openapi.json"]["get"]["security"], serde_json::json!([]));
    let me = &paths["/me"]["get"];
    assert_eq!(me["security"], serde_json::json!([{ "bearerAuth": [] }, { "apiKeyAuth": [] }]));
    assert!(me["responses"]["401"].is_object());
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearerAuth"]["bearerFormat"], "JWT");
    assert_eq!(schemes["apiKeyAuth"]["scheme"], "ApiKey");

    // Scopes on the requirement; roles in the extension.
    let create = &paths["/orders"]["post"];
    assert_eq!(create["security"][0]["bearerAuth"], serde_json::json!(["orders:write"]));
    assert_eq!(paths["/admin/orders"]["get"]["x-apishield"]["roles"], serde_json::json!(["admin"]));
    assert!(paths["/admin/orders"]["get"]["responses"]["403"].is_object());

    // Idempotent routes take the key header, and may answer 409 and 422.
    let key = create["parameters"].as_array().unwrap().iter().find(|p| p["name"] == "Idempotency-Key");
    let key = key.expect("POST /orders is idempotent");
    assert_eq!((&key["in"], &key["required"]), (&Value::from("header"), &Value::from(true)));
    assert!(create["responses"]["409"].is_object() && create["responses"]["422"].is_object());
    let get_order = &paths["/orders/{order_id}"]["get"];
    assert!(get_order["parameters"].as_array().unwrap().iter().all(|p| p["name"] != "Idempotency-Key"));
    assert_eq!(get_order["parameters"][0]["name"], "order_id");
    assert_eq!(get_order["parameters"][0]["in"], "path");

    // Bodies are the annotated types' schemas.
    let body = &create["requestBody"]["content"]["application/json"]["schema"]["$ref"];
    assert_eq!(body, "#/components/schemas/CreateOrder");
    let create_order = &doc["components"]["schemas"]["CreateOrder"];
    assert_eq!(create_order["additionalProperties"], false);
    assert!(create_order["properties"]["quantity"]["maximum"].is_number());

    // A signed webhook: authenticated by its signature, no caller scheme.
    let webhook = &paths["/webhooks/payments"]["post"];
    assert_eq!(webhook["security"], serde_json::json!([]));
    assert!(webhook["responses"]["401"].is_object());
    // ...whose payload may not parse, and whose replay store may be down.
    assert!(webhook["responses"]["400"].is_object() && webhook["responses"]["503"].is_object());
    // A store-backed part (the rate limit, the key store) may answer 503.
    assert!(me["responses"]["503"].is_object() && create["responses"]["503"].is_object());

    // Every error is problem+json; the rate limit's 429 is documented.
    assert_eq!(
        me["responses"]["429"]["content"]["application/problem+json"]["schema"]["$ref"],
        "#/components/schemas/ProblemDetails"
    );

    // Every reference resolves.
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("{r}"));
        assert!(doc["components"]["schemas"][name].is_object(), "{r} does not resolve");
    }
}

#[tokio::test]
async fn response_schemas_show_only_what_leaves_the_server() {
    let doc = document().await;
    let paths = &doc["paths"];
    let health = &paths["/health"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(health["$ref"], "#/components/schemas/Health");
    let order = &paths["/orders/{order_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(order["$ref"], "#/components/schemas/Order", "an owned model, answered as Authorized<Order>");
    // Exactly the fields the type sends.
    use apishield::SecureResponse;
    use apishield_examples::orders_api::routes::orders::Order;
    let mut described: Vec<&str> =
        doc["components"]["schemas"]["Order"]["properties"].as_object().unwrap().keys().map(String::as_str).collect();
    let mut sent = Order::POLICY.fields().to_vec();
    described.sort_unstable();
    sent.sort_unstable();
    assert_eq!(described, sent);
}
