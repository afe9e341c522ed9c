//! Operations: rate limits, correlation ids, webhooks, idempotency, CVEs.

use super::{Cx, distinct, list, routes};
use crate::audit::checklist::{Finding, Item, Status};
use crate::audit::rules::Rule;
use crate::audit::view;

pub(super) fn operations(cx: &Cx<'_>) -> Vec<Finding> {
    vec![rate_limiting(cx), correlation_ids(cx), webhooks(cx), idempotency(cx), dependencies()]
}

fn rate_limiting(cx: &Cx<'_>) -> Finding {
    let (concerned, scan) = cx.scan(
        Some(&Rule::RateLimited),
        cx.all(),
        |e| view::rate_limits(e).is_empty(),
        "add `.layer(RateLimitLayer::new(..))` to the Routes after these routes",
    );
    let policies = distinct(cx.all().flat_map(view::rate_limits));
    let throttled = cx.all().filter(|e| view::failed_attempts_limited(e)).count();
    let evidence = format!(
        "run time: RateLimit per caller, else per client address, on {} of {} (RateLimit-Policy: {}); refused \
         credentials throttled by Authentication on {}",
        concerned - scan.at_fault.len(),
        routes(concerned),
        if policies.is_empty() { "none".to_owned() } else { policies.join(" | ") },
        routes(throttled),
    );
    Finding::from_routes(Item::RateLimiting, concerned, scan, evidence)
}

fn correlation_ids(cx: &Cx<'_>) -> Finding {
    let (concerned, scan) = cx.scan(
        Some(&Rule::SafeDefaults),
        cx.all(),
        |e| !view::defaults(e).is_some_and(|d| d.request_ids),
        "call `.safe_defaults(SafeDefaults::new(cors! {..}))` on the Routes after these routes",
    );
    let evidence = format!(
        "run time (SafeDefaults): a request id of the server's on every answer (X-Request-Id), log line (the \
         `request` span) and error body, on {} of {}",
        concerned - scan.at_fault.len(),
        routes(concerned),
    );
    Finding::from_routes(Item::CorrelationIds, concerned, scan, evidence)
}

fn webhooks(cx: &Cx<'_>) -> Finding {
    let rule = Rule::WebhooksVerified;
    let (concerned, scan) = cx.scan(
        Some(&rule),
        cx.all().filter(|e| rule.concerns(e)),
        |e| !e.facts.webhook,
        "take Verified<T> behind a WebhookEndpoint",
    );
    let verified: Vec<String> = cx.handlers().filter(|e| e.facts.webhook).map(view::name).collect();
    let evidence = format!(
        "run time: Verified<T> checks the HMAC-SHA256 signature in constant time, a 300 s tolerance and replays \
         by event id; compile time: only a Verified<T> reaches the handler. Verified: {}",
        list(&verified)
    );
    Finding::from_routes(Item::WebhookSignatures, concerned, scan, evidence)
}

fn idempotency(cx: &Cx<'_>) -> Finding {
    let rule = Rule::MutationsIdempotent;
    let (concerned, scan) = cx.scan(
        Some(&rule),
        cx.handlers().filter(|e| rule.concerns(e)),
        |e| !e.facts.idempotent,
        "add #[idempotent] to the handler (an Idempotency-Key is then required), or exempt it in the Policy",
    );
    let keyed = cx.handlers().filter(|e| e.facts.idempotent).count();
    let unkeyed: Vec<String> =
        cx.handlers().filter(|e| view::is_idempotent_method_without_key(e)).map(view::name).collect();
    let evidence = format!(
        "run time: #[idempotent] runs a handler once per Idempotency-Key and replays its answer. POST and PATCH \
         routes: {}, keyed: {}; keyed in all: {}; webhooks are deduplicated by event id. PUT and DELETE without a \
         key (idempotent by HTTP semantics, a retry still runs twice): {}",
        concerned,
        concerned - scan.at_fault.len(),
        keyed,
        list(&unkeyed),
    );
    let mut finding = Finding::from_routes(Item::IdempotencyKeys, concerned, scan, evidence);
    if matches!(finding.status, Status::Enforced | Status::NotApplicable) && !unkeyed.is_empty() {
        finding.status = Status::Partial;
        finding.at_fault = unkeyed;
        finding.fix = Some("consider #[idempotent] where a repeated PUT or DELETE has effects".to_owned());
    }
    finding
}

fn dependencies() -> Finding {
    Finding::new(
        Item::DependencyScanning,
        Status::OutOfScope,
        "not a property of the program's routes: `cargo audit` checks Cargo.lock against the RustSec advisories \
         in CI (.ci/run)",
    )
}
