//! Input/Output.

use super::{Cx, distinct, list};
use crate::audit::checklist::{Finding, Item, Status};
use crate::audit::rules::Rule;
use crate::audit::view;

pub(super) fn input_output(cx: &Cx<'_>) -> Vec<Finding> {
    vec![schema_validation(cx), size_limits(cx), parameterized_queries(), generic_errors(cx)]
}

fn inputs(cx: &Cx<'_>) -> (usize, super::Scan) {
    let rule = Rule::InputsBounded;
    cx.scan(
        Some(&rule),
        cx.handlers().filter(|e| rule.concerns(e)),
        |e| rule.fault(e).is_some(),
        super::access::READ_SECURE,
    )
}

fn schema_validation(cx: &Cx<'_>) -> Finding {
    let (concerned, scan) = inputs(cx);
    let evidence = format!(
        "run time: a #[secure_request] type is validated while it is parsed (422 with every field's error, never \
         the value); compile time: every field has its rules. {}",
        super::inputs_read(cx),
    );
    Finding::from_routes(Item::SchemaValidation, concerned, scan, evidence)
}

fn size_limits(cx: &Cx<'_>) -> Finding {
    let (concerned, scan) = inputs(cx);
    let limits: Vec<String> = distinct(cx.all().filter_map(|e| view::defaults(e).map(|d| d.body_limit)))
        .iter()
        .map(|n| format!("{n} bytes"))
        .collect();
    let evidence = format!(
        "compile time: #[secure_request] bounds every string, number and collection. run time: body limit {} \
         (SafeDefaults; SecureJson alone: 1 MiB); files: UploadPolicy where the handler calls it (not visible to \
         the audit). {}",
        if limits.is_empty() { "none set".to_owned() } else { limits.join(", ") },
        super::inputs_read(cx),
    );
    Finding::from_routes(Item::SizeLimits, concerned, scan, evidence)
}

fn parameterized_queries() -> Finding {
    Finding::new(
        Item::ParameterizedQueries,
        Status::OutOfScope,
        "apishield does not reach the database: use sqlx's checked queries (`query!`, `query_as!`) or bound \
         parameters, never SQL built with format!",
    )
}

fn generic_errors(cx: &Cx<'_>) -> Finding {
    let (concerned, mut scan) = cx.scan(
        None,
        cx.handlers(),
        |e| view::error_type(e).is_some_and(|error| !view::generic_error_type(error)),
        "return ApiError (problem+json, a generic title, the cause only in the logs)",
    );
    let own: Vec<String> =
        distinct(cx.handlers().filter_map(view::error_type).filter(|e| !view::generic_error_type(e)))
            .into_iter()
            .map(view::short_type_name)
            .collect();
    let evidence = format!(
        "run time: apishield's own answers (401, 403, 413, 415, 422, 429, ..) are problem+json with a generic \
         title and the request id, the cause only in the logs. The handlers' own bodies are the team's; error \
         types of their own: {}",
        list(&own),
    );
    // Partial at worst: what a handler writes in its own error is not visible.
    let status = if concerned == 0 {
        Status::NotApplicable
    } else if scan.at_fault.is_empty() {
        Status::Enforced
    } else {
        Status::Partial
    };
    let mut finding = Finding::new(Item::GenericErrors, status, evidence);
    finding.at_fault = std::mem::take(&mut scan.at_fault);
    if !finding.at_fault.is_empty() {
        finding.fix = scan.fix;
    }
    finding
}
