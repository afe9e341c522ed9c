//! The audit as a terminal table, Markdown and JSON.

pub(crate) mod json;
pub(crate) mod markdown;
pub(crate) mod text;

use super::Audit;
use super::checklist::Status;

/// `22 items: 14 enforced, 3 partial, ...`, the counts in a fixed order.
pub(crate) fn counts(audit: &Audit) -> Vec<(Status, usize)> {
    [Status::Enforced, Status::Partial, Status::Missing, Status::NotApplicable, Status::OutOfScope]
        .into_iter()
        .map(|s| (s, audit.checklist().iter().filter(|f| f.status == s).count()))
        .collect()
}

/// `yes` / `-`.
pub(crate) fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "-" }
}
