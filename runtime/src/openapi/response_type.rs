//! The `#[secure_response]` type a handler answers with, from the name of
//! its return type (the only thing a route knows of it: a handler's return
//! type is any `IntoResponse`, which no trait can ask for its schema).

use crate::audit::{RegisteredType, TypePolicy};
use crate::schema::SchemaFn;

/// What a handler's JSON body is.
pub(crate) enum Body {
    /// One value of a type with a schema.
    One(SchemaFn),
    /// A list of them.
    List(SchemaFn),
}

/// The body schema of a return type named `type_name`, if it is one of
/// apishield's JSON responses of a registered type.
pub(crate) fn body_of(type_name: &str) -> Option<Body> {
    let wrappers = [
        generic_prefix(std::any::type_name::<crate::axum::SecureJson<()>>()),
        generic_prefix(std::any::type_name::<crate::Authorized<()>>()),
    ];
    let inner = wrappers.iter().find_map(|prefix| {
        let start = type_name.find(prefix)? + prefix.len();
        generic_argument(&type_name[start..])
    })?;
    let vec = generic_prefix(std::any::type_name::<Vec<()>>());
    match inner.strip_prefix(vec).and_then(generic_argument) {
        Some(item) => schema_of(item).map(Body::List),
        None => schema_of(inner).map(Body::One),
    }
}

/// `a::Type<` of `a::Type<()>`.
fn generic_prefix(name: &str) -> &str {
    name.find('<').map_or(name, |i| &name[..=i])
}

/// The text up to the `>` closing the generic list that `rest` starts inside.
fn generic_argument(rest: &str) -> Option<&str> {
    let mut depth = 0usize;
    for (i, c) in rest.char_indices() {
        match c {
            '<' => depth += 1,
            '>' if depth == 0 => return Some(&rest[..i]),
            '>' => depth -= 1,
            ',' if depth == 0 => return None, // more than one argument: not ours
            _ => {}
        }
    }
    None
}

/// The schema of the registered response type whose path is `path`.
fn schema_of(path: &str) -> Option<SchemaFn> {
    RegisteredType::all().find_map(|registered| match registered.policy() {
        TypePolicy::Response(policy) => {
            // `module::Type`, or `module::function::Type` for a type declared
            // in a function body (which `module_path!` does not name).
            let name_matches = path
                .strip_prefix(registered.module())
                .and_then(|rest| rest.strip_prefix("::"))
                .and_then(|rest| rest.strip_suffix(policy.type_name()))
                .is_some_and(|between| between.is_empty() || between.ends_with("::"));
            if name_matches { policy.schema() } else { None }
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::generic_argument;

    #[test]
    fn finds_the_balanced_argument() {
        assert_eq!(generic_argument("a::B<c::D>>, e::F>"), Some("a::B<c::D>"));
        assert_eq!(generic_argument("a::B, c::D>"), None);
        assert_eq!(generic_argument("a::B"), None);
    }
}
