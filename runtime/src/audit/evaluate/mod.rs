//! The checklist evaluated for a program's routes: one [`Finding`] per item,
//! in the checklist's order. Each section is a file.

mod access;
mod io;
mod operations;
mod transport;

use super::checklist::Finding;
use super::policy::Policy;
use super::rules::Rule;
use super::types::TypeRow;
use super::view;
use crate::routing::RouteEntry;

/// What an item is evaluated from.
pub(crate) struct Cx<'a> {
    pub(crate) entries: &'a [RouteEntry],
    pub(crate) policy: Option<&'a Policy>,
    pub(crate) types: &'a [TypeRow],
}

/// The routes at fault for an item, and those its policy exempts.
#[derive(Debug, Default)]
pub(crate) struct Scan {
    pub(crate) at_fault: Vec<String>,
    pub(crate) exempt: Vec<String>,
    pub(crate) fix: Option<String>,
}

impl<'a> Cx<'a> {
    /// The routes whose handler apishield saw.
    pub(crate) fn handlers(&self) -> impl Iterator<Item = &'a RouteEntry> + use<'a> {
        self.entries.iter().filter(|e| !view::unchecked(e))
    }

    /// Every route served, plain axum routers and the fallback included.
    pub(crate) fn all(&self) -> impl Iterator<Item = &'a RouteEntry> + use<'a> {
        self.entries.iter()
    }

    /// The routes at fault among `concerned`, less those the policy exempts
    /// from `rule` (an item without a rule has no exemptions). The count
    /// returned is of the concerned routes not exempt.
    pub(crate) fn scan(
        &self,
        rule: Option<&Rule>,
        concerned: impl Iterator<Item = &'a RouteEntry>,
        fault: impl Fn(&RouteEntry) -> bool,
        fix: &str,
    ) -> (usize, Scan) {
        let mut scan = Scan { fix: Some(fix.to_owned()), ..Scan::default() };
        let mut count = 0;
        for e in concerned {
            let exempt = match (rule, self.policy) {
                (Some(rule), Some(policy)) => policy.exempts(rule.key(), e),
                _ => false,
            };
            if exempt {
                scan.exempt.push(view::name(e));
                continue;
            }
            count += 1;
            if fault(e) {
                scan.at_fault.push(view::name(e));
            }
        }
        (count, scan)
    }
}

/// Every item of the checklist, in order.
pub(crate) fn checklist(cx: &Cx<'_>) -> Vec<Finding> {
    let mut findings = access::authentication(cx);
    findings.extend(access::authorization(cx));
    findings.extend(io::input_output(cx));
    findings.extend(transport::transport(cx));
    findings.extend(operations::operations(cx));
    findings
}

/// The routes whose body `#[idempotent]` reads past the audit, as a
/// sentence to append to an input item's evidence (empty without any).
pub(crate) fn deferred_bodies(cx: &Cx<'_>) -> String {
    let deferred: Vec<String> = cx.handlers().filter(|e| view::has_deferred_body(e)).map(view::name).collect();
    if deferred.is_empty() {
        String::new()
    } else {
        format!(". Not visible (the body an #[idempotent] handler extracts itself): {}", deferred.join(", "))
    }
}

/// How many routes read a `#[secure_request]` type.
pub(crate) fn secure_readers(cx: &Cx<'_>) -> usize {
    cx.handlers().filter(|e| e.facts.inputs.iter().any(|i| i.policy.is_some())).count()
}

/// `GET /a, POST /b` or `none`.
pub(crate) fn list(names: &[String]) -> String {
    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
}

/// `1 route` / `2 routes`.
pub(crate) fn routes(n: usize) -> String {
    if n == 1 { "1 route".to_owned() } else { format!("{n} routes") }
}

/// The distinct values, in first-seen order.
pub(crate) fn distinct<T: PartialEq>(values: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut out = Vec::new();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}
