//! The terminal table: plain text, columns aligned, long cells wrapped so
//! that the report reads in 100 columns.

use std::fmt::Write as _;

use super::counts;
use crate::audit::Audit;
use crate::audit::checklist::Section;

const WIDTH: usize = 100;
/// The status column of the checklist: "OUT OF SCOPE" and two spaces.
const STATUS: usize = 14;
const INDENT: &str = "  ";

pub(crate) fn render(audit: &Audit) -> String {
    let mut out = String::new();
    let summary: Vec<String> = counts(audit).iter().map(|(s, n)| format!("{n} {}", s.label().to_lowercase())).collect();
    let _ = writeln!(out, "apishield audit: {} routes, {} annotated types", audit.routes().len(), audit.types().len());
    let _ = writeln!(out, "checklist: {}", summary.join(", "));
    checklist(audit, &mut out);
    routes(audit, &mut out);
    types(audit, &mut out);
    if let Some(policy) = audit.policy() {
        let _ = writeln!(out, "\nPOLICY: {} rules, {} violations", policy.rules().len(), audit.violations().len());
        for v in audit.violations() {
            for (i, line) in wrap(&v.to_string(), WIDTH - 4).iter().enumerate() {
                let _ = writeln!(out, "{INDENT}{}{line}", if i == 0 { "" } else { "  " });
            }
        }
    }
    out
}

fn checklist(audit: &Audit, out: &mut String) {
    let mut section: Option<Section> = None;
    let detail_width = WIDTH - INDENT.len() - STATUS;
    for f in audit.checklist() {
        if section != Some(f.item.section()) {
            section = Some(f.item.section());
            let _ = writeln!(out, "\n{}", f.item.section().title().to_uppercase());
        }
        let _ = writeln!(out, "{INDENT}{:<STATUS$}{}", f.status.label(), f.item.title());
        let mut details = vec![f.evidence.clone()];
        if !f.at_fault.is_empty() {
            details.push(format!("at fault: {}", f.at_fault.join(", ")));
        }
        if !f.exempt.is_empty() {
            details.push(format!("exempt by the policy: {}", f.exempt.join(", ")));
        }
        if let Some(fix) = &f.fix {
            details.push(format!("fix: {fix}"));
        }
        for detail in details {
            for line in wrap(&detail, detail_width) {
                let _ = writeln!(out, "{INDENT}{:STATUS$}{line}", "");
            }
        }
    }
}

fn routes(audit: &Audit, out: &mut String) {
    let _ =
        writeln!(out, "\nROUTES (checks: O owner-checked, I idempotent, R rate limited; ! unbounded or unfiltered)");
    let rows: Vec<Vec<String>> = audit
        .routes()
        .iter()
        .map(|r| {
            vec![r.method.clone(), r.path.clone(), r.access(), r.checks(), r.input_summary(), r.response_summary()]
        })
        .collect();
    table(out, &["METHOD", "PATH", "ACCESS", "CHECKS", "INPUT", "RESPONSE"], rows, &[5, 4, 2, 1]);
}

fn types(audit: &Audit, out: &mut String) {
    let _ = writeln!(out, "\nTYPES");
    let rows: Vec<Vec<String>> = audit
        .types()
        .iter()
        .map(|t| {
            let mut kinds = t.kinds.join(", ");
            if let Some(owner) = t.owned_by {
                kinds.push_str(&format!(" ({owner})"));
            }
            let fields: Vec<String> = t
                .fields
                .iter()
                .map(|(name, rules)| if rules.is_empty() { (*name).to_owned() } else { format!("{name} ({rules})") })
                .collect();
            vec![t.name.to_owned(), kinds, fields.join("; "), t.module.to_owned()]
        })
        .collect();
    table(out, &["TYPE", "KINDS", "FIELDS", "MODULE"], rows, &[2, 3, 1]);
}

/// Writes an aligned table, narrowing the `wrappable` columns (in that
/// order, each down to 12) until a line fits in [`WIDTH`].
fn table(out: &mut String, headers: &[&str], rows: Vec<Vec<String>>, wrappable: &[usize]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let total = |widths: &[usize]| INDENT.len() + widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
    while total(&widths) > WIDTH {
        let Some(&next) = wrappable.iter().find(|&&i| widths[i] > 12) else {
            break;
        };
        widths[next] -= 1;
    }
    let header: Vec<String> = headers.iter().map(|h| (*h).to_owned()).collect();
    for row in std::iter::once(header).chain(rows) {
        let cells: Vec<Vec<String>> = row.iter().zip(&widths).map(|(cell, w)| wrap(cell, *w)).collect();
        let height = cells.iter().map(Vec::len).max().unwrap_or(1);
        for line in 0..height {
            let mut text = INDENT.to_owned();
            for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
                let part = cell.get(line).map_or("", String::as_str);
                if i + 1 == cells.len() {
                    text.push_str(part);
                } else {
                    let _ = write!(text, "{part:<w$}  ");
                }
            }
            let _ = writeln!(out, "{}", text.trim_end());
        }
    }
}

/// `text` in lines of at most `width` characters, broken at spaces (a word
/// longer than a line is cut).
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let mut word: Vec<char> = word.chars().collect();
        let used = line.chars().count();
        if used > 0 && used + 1 + word.len() <= width {
            line.push(' ');
            line.extend(word.iter());
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
        }
        while word.len() > width {
            // Break after `<`, `,`, `|` or `/` where one fits, else cut.
            let at = word[..width].iter().rposition(|c| matches!(c, '<' | ',' | '|' | '/')).map_or(width, |i| i + 1);
            lines.push(word.drain(..at).collect());
        }
        line.extend(word.iter());
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_at_spaces_and_cuts_long_words() {
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(wrap("abcdefgh ij", 3), ["abc", "def", "gh", "ij"]);
        assert_eq!(wrap("", 5), [""]);
    }
}
