//! JSON: every key always present (`null` or `[]` when empty), arrays in
//! the report's order, so that a snapshot compares equal run after run.

use serde_json::{Value, json};

use super::counts;
use crate::audit::Audit;

pub(crate) fn render(audit: &Audit) -> Value {
    let mut summary = serde_json::Map::new();
    summary.insert("routes".to_owned(), json!(audit.routes().len()));
    summary.insert("types".to_owned(), json!(audit.types().len()));
    for (status, n) in counts(audit) {
        summary.insert(status.key().to_owned(), json!(n));
    }
    let checklist: Vec<Value> = audit
        .checklist()
        .iter()
        .map(|f| {
            json!({
                "section": f.item.section().key(),
                "item": f.item.key(),
                "title": f.item.title(),
                "status": f.status.key(),
                "enforced_at": f.item.stages().iter().map(|s| s.key()).collect::<Vec<_>>(),
                "evidence": f.evidence,
                "at_fault": f.at_fault,
                "exempt": f.exempt,
                "fix": f.fix,
            })
        })
        .collect();
    let routes: Vec<Value> = audit
        .routes()
        .iter()
        .map(|r| {
            json!({
                "method": r.method,
                "path": r.path,
                "handler": r.handler,
                "access": r.access(),
                "roles": r.roles,
                "scopes": r.scopes,
                "owner_checked": r.owner_checked,
                "idempotent": r.idempotent,
                "rate_limited": r.rate_limited,
                "inputs": r.inputs.iter().map(|i| json!({
                    "source": i.source,
                    "extractor": i.extractor,
                    "request_type": i.request_type,
                    "bounded": i.bounded,
                })).collect::<Vec<_>>(),
                "response": {"type": r.response, "kind": r.response_kind},
                "layers": r.layers,
            })
        })
        .collect();
    let types: Vec<Value> = audit
        .types()
        .iter()
        .map(|t| {
            json!({
                "module": t.module,
                "name": t.name,
                "kinds": t.kinds,
                "owned_by": t.owned_by,
                "fields": t.fields.iter().map(|(name, rules)| json!({"name": name, "rules": rules})).collect::<Vec<_>>(),
            })
        })
        .collect();
    let policy = audit.policy().map(|p| {
        json!({
            "rules": p.rules().iter().map(|r| r.key()).collect::<Vec<_>>(),
            "violations": audit.violations().iter().map(|v| json!({
                "rule": v.rule,
                "route": format!("{} {}", v.method, v.path),
                "problem": v.problem,
                "fix": v.fix,
            })).collect::<Vec<_>>(),
        })
    });
    json!({
        "summary": summary,
        "checklist": checklist,
        "routes": routes,
        "types": types,
        "policy": policy,
    })
}
