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

/// What the routes that read a body or query string read it through, as
/// the end of an input item's evidence.
pub(crate) fn inputs_read(cx: &Cx<'_>) -> String {
    let readers: Vec<&RouteEntry> = cx.handlers().filter(|e| view::reads_body_or_query(e)).collect();
    let count = |f: &dyn Fn(&RouteEntry) -> bool| readers.iter().filter(|e| f(e)).count();
    let secure = count(&|e| e.facts.inputs.iter().any(|i| i.policy.is_some()));
    let signed = count(&|e| e.facts.webhook);
    let unbounded = count(&|e| !view::unbounded_inputs(e).is_empty());
    format!(
        "{} read a body or query string: through #[secure_request] types {secure}, webhook payloads {signed}, \
         unbounded {unbounded}",
        routes(readers.len())
    )
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
