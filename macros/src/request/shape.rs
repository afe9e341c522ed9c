//! What kind of value a field's type holds, read from the type's syntax.
//!
//! A proc macro sees tokens, not types: `Vec<String>` is recognised by its
//! last path segment. Anything unrecognised is a "nested" type that must
//! validate itself (`#[secure_request]` or `apishield::Bounded`), which the
//! generated code asserts with a trait bound spanned on the type; a type
//! alias of a `String` therefore gets that error, whose note says to write
//! the type out.

use syn::{GenericArgument, PathArguments, Type};

#[derive(Clone)]
pub(crate) enum Shape<'a> {
    /// `String`, `Box<str>`, `Cow<str>`.
    Str,
    /// An integer type, by name (`u8`, `i64`, ...).
    Int(&'a syn::Ident),
    /// `f32` or `f64`.
    Float(&'a syn::Ident),
    /// `bool` or `char`.
    Plain(&'a syn::Ident),
    Option(Box<Shape<'a>>),
    Box(Box<Shape<'a>>),
    /// `apishield::Secret<T>`: the rules of `T`, the value kept secret.
    Secret(Box<Shape<'a>>),
    /// `Vec`, `VecDeque`, `HashSet`, `BTreeSet`.
    Seq(Box<Shape<'a>>),
    /// `HashMap`, `BTreeMap`: key and value.
    Map(Box<Shape<'a>>, Box<Shape<'a>>),
    /// Validates itself; the type is kept for the trait-bound assertion.
    Nested(&'a Type),
    /// A type no rule can bound (`&str`, tuples, arrays...), with the fix.
    Unsupported(&'a Type, &'static str),
}

impl Shape<'_> {
    /// What the user would call this kind of value, for messages.
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Shape::Str => "a string",
            Shape::Int(_) => "an integer",
            Shape::Float(_) => "a float",
            Shape::Plain(_) => "a bool or char",
            Shape::Option(inner) | Shape::Box(inner) | Shape::Secret(inner) => inner.describe(),
            Shape::Seq(_) => "a list or set",
            Shape::Map(..) => "a map",
            Shape::Nested(_) => "a nested type",
            Shape::Unsupported(..) => "an unsupported type",
        }
    }

    /// The shape under `Option` and `Box`.
    pub(crate) fn peeled(&self) -> &Self {
        match self {
            Shape::Option(inner) | Shape::Box(inner) | Shape::Secret(inner) => inner.peeled(),
            other => other,
        }
    }
}

const INTS: &[&str] = &["u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize"];

fn type_args(args: &PathArguments) -> Vec<&Type> {
    match args {
        PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|arg| match arg {
                GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn is_str(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.qself.is_none() && p.path.is_ident("str"))
}

pub(crate) fn classify(ty: &Type) -> Shape<'_> {
    match ty {
        Type::Group(g) => classify(&g.elem),
        Type::Paren(p) => classify(&p.elem),
        Type::Path(p) if p.qself.is_none() => {
            let Some(last) = p.path.segments.last() else {
                return Shape::Nested(ty);
            };
            let name = last.ident.to_string();
            let args = type_args(&last.arguments);
            match (name.as_str(), args.as_slice()) {
                ("String", []) => Shape::Str,
                ("Box", [inner]) if is_str(inner) => Shape::Str,
                ("Cow", [inner]) if is_str(inner) => Shape::Str,
                (n, []) if INTS.contains(&n) => Shape::Int(&last.ident),
                ("f32" | "f64", []) => Shape::Float(&last.ident),
                ("bool" | "char", []) => Shape::Plain(&last.ident),
                ("Option", [inner]) => Shape::Option(Box::new(classify(inner))),
                ("Box", [inner]) => Shape::Box(Box::new(classify(inner))),
                ("Secret", [inner]) => Shape::Secret(Box::new(classify(inner))),
                ("Vec" | "VecDeque" | "HashSet" | "BTreeSet", [inner, ..]) => Shape::Seq(Box::new(classify(inner))),
                ("HashMap" | "BTreeMap", [k, v, ..]) => Shape::Map(Box::new(classify(k)), Box::new(classify(v))),
                ("Arc" | "Rc", [inner]) if is_str(inner) => {
                    Shape::Unsupported(ty, "use `String` (or `Cow<'a, str>` to borrow from the input)")
                }
                _ => Shape::Nested(ty),
            }
        }
        Type::Reference(r) if is_str(&r.elem) => Shape::Unsupported(
            ty,
            "use `Cow<'a, str>`, which borrows from the input when it can (a `&str` fails on any escaped string)",
        ),
        Type::Array(_) | Type::Slice(_) => Shape::Unsupported(ty, "use `Vec<T>` with `#[shield(max_items = N)]`"),
        Type::Tuple(t) if t.elems.is_empty() => Shape::Unsupported(ty, "remove the field: `()` carries no data"),
        Type::Tuple(_) => Shape::Unsupported(ty, "use a nested #[secure_request] struct with named fields"),
        _ => Shape::Unsupported(ty, "use a string, number, collection or #[secure_request] type"),
    }
}
