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
    let responses = RegisteredType::all().filter_map(|registered| match registered.policy() {
        TypePolicy::Response(policy) => Some((registered.module(), policy.type_name(), policy)),
        _ => None,
    });
    best_match(path, responses).and_then(|policy| policy.schema())
}

/// Of the `(module, type name, item)` candidates, the item of the type whose
/// path is `path`: `module::Type` exactly, or else `module::function::Type`
/// for a type declared in a function body (which `module_path!` does not
/// name), the deepest module first. So `outer::inner::Item` is the type of
/// module `outer::inner`, never the `Item` of module `outer`, whatever the
/// order of registration.
fn best_match<'a, T>(path: &str, candidates: impl Iterator<Item = (&'a str, &'a str, T)>) -> Option<T> {
    candidates
        .filter_map(|(module, type_name, item)| {
            let between = path.strip_prefix(module)?.strip_prefix("::")?.strip_suffix(type_name)?;
            (between.is_empty() || between.ends_with("::")).then_some(((between.is_empty(), module.len()), item))
        })
        .max_by_key(|(rank, _)| *rank)
        .map(|(_, item)| item)
}

#[cfg(test)]
mod tests {
    use super::{best_match, generic_argument};

    #[test]
    fn a_type_is_its_own_modules_before_a_function_bodys_of_an_outer_one() {
        let candidates = || {
            [("app::outer", "Item", "outer's"), ("app::outer::inner", "Item", "inner's"), ("app", "Other", "other")]
                .into_iter()
        };
        assert_eq!(best_match("app::outer::inner::Item", candidates()), Some("inner's"));
        assert_eq!(best_match("app::outer::inner::Item", candidates().rev()), Some("inner's"));
        assert_eq!(best_match("app::outer::Item", candidates()), Some("outer's"));
        // Declared in a function body: the module's, the deepest first.
        assert_eq!(best_match("app::outer::inner::handler::Item", candidates()), Some("inner's"));
        assert_eq!(best_match("app::handler::Other", candidates()), Some("other"));
        assert_eq!(best_match("app::outer::Items", candidates()), None);
        assert_eq!(best_match("app::outerItem", candidates()), None);
    }

    #[test]
    fn finds_the_balanced_argument() {
        assert_eq!(generic_argument("a::B<c::D>>, e::F>"), Some("a::B<c::D>"));
        assert_eq!(generic_argument("a::B, c::D>"), None);
        assert_eq!(generic_argument("a::B"), None);
    }
}
