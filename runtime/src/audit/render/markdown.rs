//! Markdown: a table for the checklist, one for the routes, one for the
//! types (and the policy's violations, if any), for a pull request or a wiki.

use std::fmt::Write as _;

use super::{counts, yes};
use crate::audit::Audit;

pub(crate) fn render(audit: &Audit) -> String {
    let mut out = String::from("# apishield audit\n\n");
    let summary: Vec<String> = counts(audit).iter().map(|(s, n)| format!("{n} {}", s.label().to_lowercase())).collect();
    let _ = writeln!(
        out,
        "{} routes, {} annotated types. Checklist: {}.\n",
        audit.routes().len(),
        audit.types().len(),
        summary.join(", ")
    );

    out.push_str("## Checklist\n\n| Section | Item | Status | Evidence | At fault | Fix |\n| --- | --- | --- | --- | --- | --- |\n");
    for f in audit.checklist() {
        let mut at_fault = f.at_fault.iter().map(|r| code(r)).collect::<Vec<_>>().join("<br>");
        if !f.exempt.is_empty() {
            let exempt: Vec<String> = f.exempt.iter().map(|r| code(r)).collect();
            let _ = write!(at_fault, "{}exempt: {}", if at_fault.is_empty() { "" } else { "<br>" }, exempt.join(", "));
        }
        row(
            &mut out,
            &[
                f.item.section().title(),
                f.item.title(),
                &format!("**{}**", f.status.label()),
                &f.evidence,
                &at_fault,
                f.fix.as_deref().unwrap_or(""),
            ],
        );
    }

    out.push_str("\n## Routes\n\n| Method | Path | Access | Owner checked | Idempotent | Rate limited | Input | Response |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n");
    for r in audit.routes() {
        row(
            &mut out,
            &[
                &r.method,
                &code(&r.path),
                &r.access(),
                yes(r.owner_checked),
                yes(r.idempotent),
                yes(r.rate_limited),
                &code(&r.input_summary()),
                &code(&r.response_summary()),
            ],
        );
    }

    out.push_str("\n## Types\n\n| Type | Kinds | Owner | Fields |\n| --- | --- | --- | --- |\n");
    for t in audit.types() {
        let fields: Vec<String> = t
            .fields
            .iter()
            .map(|(name, rules)| if rules.is_empty() { code(name) } else { format!("{}: {}", code(name), code(rules)) })
            .collect();
        row(&mut out, &[&code(&t.path()), &t.kinds.join(", "), t.owned_by.unwrap_or(""), &fields.join("<br>")]);
    }

    if let Some(policy) = audit.policy() {
        let _ =
            writeln!(out, "\n## Policy\n\n{} rules, {} violations.\n", policy.rules().len(), audit.violations().len());
        for v in audit.violations() {
            let _ = writeln!(out, "- {}", escape(&v.to_string()));
        }
    }
    out
}

fn row(out: &mut String, cells: &[&str]) {
    let cells: Vec<String> = cells.iter().map(|c| escape(c)).collect();
    let _ = writeln!(out, "| {} |", cells.join(" | "));
}

/// A table cell's text: `|` would end the cell, a line break the row.
fn escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

fn code(text: &str) -> String {
    if text.is_empty() || text == "-" { text.to_owned() } else { format!("`{text}`") }
}
