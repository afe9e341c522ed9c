//! The document builder.

use schemars::SchemaGenerator;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value, json};

use super::response_type::{Body, body_of};
use crate::idempotency::MAX_KEY_LEN;
use crate::routing::{Enforcement, InputSource, RouteAccess, RouteEntry};

const BEARER: &str = "bearerAuth";
const API_KEY: &str = "apiKeyAuth";
const PROBLEM: &str = "application/problem+json";
/// The error body's schema name (apishield's, so it cannot collide with a type named `Problem`).
const PROBLEM_SCHEMA: &str = "ProblemDetails";

/// An OpenAPI 3.1 document's header: title, version, description.
#[derive(Debug, Clone)]
#[must_use]
pub struct OpenApi {
    title: String,
    version: String,
    description: Option<String>,
}

impl OpenApi {
    /// A document for the API named `title` at `version` (the API's
    /// version, not OpenAPI's).
    pub fn new(title: impl Into<String>, version: impl Into<String>) -> Self {
        OpenApi { title: title.into(), version: version.into(), description: None }
    }

    /// A description of the API (Markdown).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The document of these routes ([`Routes::entries`](crate::routing::Routes::entries),
    /// taken after the layers that authenticate and limit them were added).
    /// Routes registered without their methods (`*`: a public router, the
    /// fallback) are not listed: nothing says what they accept.
    pub fn document(&self, routes: &[RouteEntry]) -> Value {
        let mut settings = SchemaSettings::draft2020_12();
        settings.definitions_path = "/components/schemas".into();
        settings.meta_schema = None;
        let mut generator = settings.into_generator();
        let mut paths = Map::new();
        let mut schemes = Schemes::default();
        let mut operation_ids = std::collections::HashSet::new();
        for route in routes.iter().filter(|r| r.method != "*") {
            let mut operation = operation(route, &mut generator, &mut schemes);
            // Unique in the document, as OpenAPI requires: one handler may
            // serve several routes.
            if let Some(Value::String(id)) = operation.get_mut("operationId") {
                let base = id.clone();
                let mut n = 1;
                while !operation_ids.insert(id.clone()) {
                    n += 1;
                    *id = format!("{base}_{n}");
                }
            }
            let item = paths.entry(route.path.clone()).or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(item) = item {
                item.insert(route.method.to_ascii_lowercase(), operation);
            }
        }
        let mut info = Map::new();
        info.insert("title".into(), self.title.clone().into());
        info.insert("version".into(), self.version.clone().into());
        if let Some(description) = &self.description {
            info.insert("description".into(), description.clone().into());
        }
        let mut schemas: Map<String, Value> = generator.take_definitions(true).into_iter().collect();
        schemas.insert(PROBLEM_SCHEMA.into(), problem_schema());
        json!({
            "openapi": "3.1.0",
            "info": info,
            "paths": paths,
            "components": { "schemas": schemas, "securitySchemes": schemes.components() },
        })
    }
}

/// The security schemes the routes use.
#[derive(Default)]
struct Schemes {
    bearer: bool,
    api_key: bool,
}

impl Schemes {
    fn components(&self) -> Value {
        let mut schemes = Map::new();
        if self.bearer {
            schemes.insert(
                BEARER.into(),
                json!({ "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                        "description": "A JWT in `Authorization: Bearer <token>`." }),
            );
        }
        if self.api_key {
            schemes.insert(
                API_KEY.into(),
                json!({ "type": "http", "scheme": "ApiKey",
                        "description": "An API key in `Authorization: ApiKey <key>` (never in the query string)." }),
            );
        }
        Value::Object(schemes)
    }
}

/// One operation: a method on a path.
fn operation(route: &RouteEntry, generator: &mut SchemaGenerator, schemes: &mut Schemes) -> Value {
    let facts = &route.facts;
    let mut op = Map::new();
    op.insert("operationId".into(), operation_id(facts.handler).into());
    let mut parameters = path_parameters(&route.path);
    let mut responses = Map::new();
    let mut body_input = false;
    let mut validated = false;
    for input in &facts.inputs {
        let schema = input.policy.and_then(|p| p.schema());
        match input.source {
            InputSource::Body => {
                body_input = true;
                validated |= input.policy.is_some();
                let schema = schema.map_or_else(|| json!({}), |f| f(generator).to_value());
                op.insert(
                    "requestBody".into(),
                    json!({ "required": true, "content": { "application/json": { "schema": schema } } }),
                );
            }
            InputSource::Query => {
                validated |= input.policy.is_some();
                if let Some(schema) = schema {
                    parameters.extend(query_parameters(&schema(generator).to_value(), generator));
                }
            }
            InputSource::Path | InputSource::Parts => {}
        }
    }
    if facts.idempotent {
        parameters.push(json!({
            "name": "Idempotency-Key", "in": "header", "required": true,
            "description": "Makes a retry safe: the first request with a key runs, a retry with the same key and \
                            request gets the first answer replayed.",
            "schema": { "type": "string", "minLength": 1, "maxLength": MAX_KEY_LEN },
        }));
    }
    if !parameters.is_empty() {
        op.insert("parameters".into(), parameters.into());
    }

    // Success.
    let ok_status = if facts.response.type_name.contains("StatusCode") { "2XX" } else { "200" };
    let ok = match body_of(facts.response.type_name) {
        Some(Body::One(schema)) => {
            json!({ "description": "OK", "content": { "application/json": { "schema": schema(generator).to_value() } } })
        }
        Some(Body::List(schema)) => json!({ "description": "OK", "content": { "application/json": {
            "schema": { "type": "array", "items": schema(generator).to_value() } } } }),
        None => json!({ "description": "OK" }),
    };
    responses.insert(ok_status.into(), ok);

    // Security, and the errors each part of the route can cause.
    let authentication = facts.layers.iter().find_map(|layer| match &layer.enforces {
        Some(Enforcement::Authentication { jwt, api_keys, .. }) => Some((jwt.is_some(), *api_keys)),
        _ => None,
    });
    let rate_limited = facts.layers.iter().any(|l| matches!(l.enforces, Some(Enforcement::RateLimit { .. })));
    let scopes: Vec<Value> = facts.scopes.iter().map(|s| Value::from(*s)).collect();
    match facts.access {
        RouteAccess::Public => {
            op.insert("security".into(), json!([]));
        }
        RouteAccess::Authenticated if facts.webhook => {
            op.insert("security".into(), json!([]));
            op.insert(
                "description".into(),
                "A signed webhook: authenticated by its signature header, not by a caller's credential.".into(),
            );
            responses.insert("401".into(), problem("The signature is missing, invalid or too old."));
        }
        RouteAccess::Authenticated => {
            let mut requirements = Vec::new();
            let (jwt, api_keys) = authentication.unwrap_or((false, false));
            if jwt {
                schemes.bearer = true;
                requirements.push(json!({ BEARER: scopes }));
            }
            if api_keys {
                schemes.api_key = true;
                requirements.push(json!({ API_KEY: scopes }));
            }
            op.insert("security".into(), requirements.into());
            responses.insert("401".into(), problem("No valid credential."));
        }
    }
    if !facts.roles.is_empty() || !facts.scopes.is_empty() || facts.owner_checked {
        responses.insert("403".into(), problem("The caller lacks a required role or scope, or owns no such resource."));
    }
    if facts.owner_checked {
        responses.insert("404".into(), problem("No such resource, or not the caller's."));
    }
    if validated || facts.idempotent {
        responses.insert("400".into(), problem("Malformed request (or a malformed `Idempotency-Key`)."));
    }
    if facts.idempotent {
        responses.insert(
            "409".into(),
            problem("A request with this `Idempotency-Key` is still running, or its outcome is unknown."),
        );
    }
    if body_input {
        responses.insert("413".into(), problem("The body is larger than the limit."));
    }
    if validated || facts.idempotent {
        responses.insert(
            "422".into(),
            problem("A field broke its rules (`errors` lists each), or the key was reused for another request."),
        );
    }
    if facts.webhook {
        responses.entry("400").or_insert_with(|| problem("The payload is not the event it should be."));
    }
    if rate_limited || authentication.is_some() {
        responses.insert("429".into(), problem("Too many requests (or failed attempts); see `Retry-After`."));
    }
    // Each of these asks a store: a limiter, a key store or denylist, the
    // idempotency records, the webhook replay records. One that is down
    // (or, in memory, full) is a 503, not a guess.
    if rate_limited || authentication.is_some() || facts.idempotent || facts.webhook {
        responses.insert("503".into(), problem("A store the route needs is unavailable; retry after a while."));
    }
    responses.insert("500".into(), problem("Internal error; the body carries only a request id."));
    op.insert("responses".into(), sorted(responses));

    let mut extension = Map::new();
    extension.insert("access".into(), serde_json::to_value(facts.access).unwrap_or_default());
    if !facts.roles.is_empty() {
        extension.insert("roles".into(), facts.roles.clone().into());
    }
    extension.insert("ownerChecked".into(), facts.owner_checked.into());
    extension.insert("idempotent".into(), facts.idempotent.into());
    op.insert("x-apishield".into(), Value::Object(extension));
    Value::Object(op)
}

/// Responses in status order (a `Map` keeps insertion order only with
/// serde_json's `preserve_order`; sorting makes the order the same either way).
fn sorted(responses: Map<String, Value>) -> Value {
    let mut entries: Vec<(String, Value)> = responses.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Object(entries.into_iter().collect())
}

fn problem(description: &str) -> Value {
    json!({ "description": description, "content": { PROBLEM: { "schema": { "$ref": "#/components/schemas/ProblemDetails" } } } })
}

/// The body of every error answer (RFC 9457 problem details, with the
/// stable code and the request id).
fn problem_schema() -> Value {
    json!({
        "type": "object",
        "description": "RFC 9457 problem details. Never echoes a rejected value or a secret.",
        "properties": {
            "type": { "type": "string" },
            "title": { "type": "string" },
            "status": { "type": "integer" },
            "code": { "type": "string", "description": "A stable, machine-readable code (`validation_failed`, `unauthorized`, ...)." },
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "field": { "type": "string" },
                        "code": { "type": "string" },
                        "message": { "type": "string" },
                    },
                    "required": ["field", "code", "message"],
                },
            },
            "request_id": { "type": "string" },
        },
        "required": ["type", "title", "status", "code"],
    })
}

/// `orders_get` for `my_api::routes::orders::get`: the handler's module and name.
fn operation_id(handler: &str) -> String {
    let mut segments = handler.rsplit("::").take(2).collect::<Vec<_>>();
    segments.reverse();
    segments.join("_")
}

/// `{name}` and `{*rest}` segments of an axum path.
fn path_parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
        .map(|name| {
            let name = name.trim_start_matches('*');
            json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } })
        })
        .collect()
}

/// A query type's fields as query parameters, from its schema (resolved
/// through the generator's definitions when it is a reference).
fn query_parameters(schema: &Value, generator: &SchemaGenerator) -> Vec<Value> {
    let resolved = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .and_then(|name| generator.definitions().get(name).cloned())
        .unwrap_or_else(|| schema.clone());
    let required: Vec<&str> =
        resolved.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
    let Some(properties) = resolved.get("properties").and_then(Value::as_object) else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, schema)| {
            let mut parameter = json!({ "name": name, "in": "query", "schema": schema });
            if required.contains(&name.as_str()) {
                parameter["required"] = true.into();
            }
            if schema.get("type").and_then(Value::as_str) == Some("array") {
                // One item per repetition of the key: `tags=a&tags=b`.
                parameter["style"] = "form".into();
                parameter["explode"] = true.into();
            }
            parameter
        })
        .collect()
}
