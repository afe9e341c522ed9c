//! Our errors in the shape of the `validator` crate, for code (and extractors
//! such as axum-valid) written against `validator::Validate`.
//!
//! validator nests errors by field (`Struct`), by list index (`List`) and ends
//! in a list of `Field` errors; it has no place for an error on a list item
//! that is not an object (`tags[3]`) or for map keys. Such errors are attached
//! to the nearest named field, and every error carries its full wire path in
//! the `path` parameter, so nothing is lost. Parameters never hold the value.

use std::borrow::Cow;
use std::collections::HashMap;

use validator::{ValidationError, ValidationErrors, ValidationErrorsKind};

use super::error::{FieldError, PathSegment};

/// Where errors without a field name go, as validator itself does for struct-level checks.
const SCHEMA_LEVEL: &str = "__all__";

pub(crate) fn to_validation_errors(errors: Vec<FieldError>) -> ValidationErrors {
    let mut out = ValidationErrors::new();
    for e in errors {
        let mut error = ValidationError::new(e.code().as_str());
        error.message = Some(Cow::Owned(e.message().into_owned()));
        error.add_param(Cow::Borrowed("path"), &e.path().to_string());
        insert(&mut out, e.path().segments(), error);
    }
    out
}

fn name_of(segment: &PathSegment) -> Option<Cow<'static, str>> {
    match segment {
        PathSegment::Field(name) => Some(name.clone()),
        PathSegment::Index(_) => None,
    }
}

fn insert(into: &mut ValidationErrors, path: &[PathSegment], error: ValidationError) {
    let Some(name) = path.first().and_then(name_of) else {
        push_field(&mut into.0, Cow::Borrowed(SCHEMA_LEVEL), None, error);
        return;
    };
    match path.get(1..) {
        Some([PathSegment::Field(_), ..]) => {
            let kind = into
                .0
                .entry(name.clone())
                .or_insert_with(|| ValidationErrorsKind::Struct(Box::new(ValidationErrors::new())));
            match kind {
                ValidationErrorsKind::Struct(inner) => insert(inner, &path[1..], error),
                _ => push_field(&mut into.0, name, None, error),
            }
        }
        Some([PathSegment::Index(i), PathSegment::Field(_), ..]) => {
            let kind = into.0.entry(name.clone()).or_insert_with(|| ValidationErrorsKind::List(Default::default()));
            match kind {
                ValidationErrorsKind::List(items) => {
                    let item = items.entry(*i).or_insert_with(|| Box::new(ValidationErrors::new()));
                    insert(item, &path[2..], error);
                }
                _ => push_field(&mut into.0, name, Some(*i), error),
            }
        }
        Some([PathSegment::Index(i), ..]) => push_field(&mut into.0, name, Some(*i), error),
        _ => push_field(&mut into.0, name, None, error),
    }
}

/// Adds a `Field` error under `name`; if `name` already holds nested errors,
/// the error goes to that level's `__all__` (of the list item `index`, for a list).
fn push_field(
    map: &mut HashMap<Cow<'static, str>, ValidationErrorsKind>,
    name: Cow<'static, str>,
    index: Option<usize>,
    error: ValidationError,
) {
    match map.entry(name).or_insert_with(|| ValidationErrorsKind::Field(Vec::new())) {
        ValidationErrorsKind::Field(list) => list.push(error),
        ValidationErrorsKind::Struct(inner) => push_field(&mut inner.0, Cow::Borrowed(SCHEMA_LEVEL), None, error),
        ValidationErrorsKind::List(items) => {
            let item = items.entry(index.unwrap_or(0)).or_insert_with(|| Box::new(ValidationErrors::new()));
            push_field(&mut item.0, Cow::Borrowed(SCHEMA_LEVEL), None, error);
        }
    }
}
