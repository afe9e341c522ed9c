//! What `Routes` records of each route: the audit's raw material.

use apishield::axum::AuthenticationLayer;
use apishield::rate_limit::{MemoryRateLimiter, RateLimitPolicy};
use apishield::routing::{Enforcement, ResponseKind, RouteAccess, RouteEntry};

fn entry<'a>(entries: &'a [RouteEntry], method: &str, path: &str) -> &'a RouteEntry {
    entries.iter().find(|e| e.method == method && e.path == path).unwrap_or_else(|| panic!("{method} {path}"))
}

#[test]
fn each_route_records_what_it_enforces() {
    let routes = super::http::routes()
        .layer(apishield::axum::RateLimitLayer::new(MemoryRateLimiter::new(RateLimitPolicy::free())))
        .layer(AuthenticationLayer::new());
    let entries = routes.entries();
    assert_eq!(entries.len(), 5);

    let orders = entry(entries, "GET", "/orders");
    assert_eq!(orders.facts.access, RouteAccess::Authenticated);
    assert!(orders.facts.handler.ends_with("::orders"), "{}", orders.facts.handler);
    assert_eq!(orders.facts.response.kind, ResponseKind::Other);
    assert!(orders.facts.rate_limited());

    let create = entry(entries, "POST", "/orders");
    assert_eq!(create.facts.scopes, ["orders:write"]);

    let refund = entry(entries, "POST", "/refunds/{id}");
    assert_eq!(refund.facts.roles, ["admin", "support"]);
    assert_eq!(refund.facts.response.kind, ResponseKind::Filtered);
    assert_eq!(refund.facts.inputs.len(), 2, "{:?}", refund.facts.inputs);
    assert!(refund.facts.inputs_bounded());
    let body = refund.facts.inputs.iter().find_map(|i| i.policy).expect("the request type's policy");
    assert!(body.type_name().ends_with("Refund"));

    assert!(entry(entries, "GET", "/users/{user_id}/orders").facts.owner_checked);

    let health = entry(entries, "GET", "/health");
    assert_eq!(health.facts.access, RouteAccess::Public);

    // The layers, innermost first, and what apishield's enforce.
    let layers: Vec<_> = health.facts.layers.iter().map(|l| l.enforces.clone()).collect();
    assert!(matches!(layers[0], Some(Enforcement::RateLimit { ref policy }) if policy.contains("60")), "{layers:?}");
    assert!(matches!(
        layers[1],
        Some(Enforcement::Authentication { jwt: None, api_keys: false, failed_attempts_limited: true })
    ));
}

#[test]
fn nesting_prefixes_paths_and_json_is_serializable() {
    let routes = apishield::routing::Routes::new().nest("/v1", super::http::routes());
    let paths: Vec<_> = routes.entries().iter().map(|e| format!("{} {}", e.method, e.path)).collect();
    assert!(paths.contains(&"GET /v1/orders".to_owned()), "{paths:?}");
    assert!(paths.contains(&"POST /v1/refunds/{id}".to_owned()));
    let json = serde_json::to_value(routes.entries()).unwrap();
    assert_eq!(json[0]["method"], "GET");
    assert_eq!(json[0]["access"], "authenticated");
}
