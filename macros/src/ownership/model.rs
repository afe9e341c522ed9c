//! What `#[owned_by]` is on: a resource struct (with the owner field found),
//! or a handler (with its `Principal` argument and the bound parameter).
//! Each node keeps its original syntax for spans.

use syn::punctuated::Punctuated;
use syn::{FnArg, Ident, Pat, Token, Type};

use crate::syntax::type_name;

pub(crate) enum Target {
    /// A resource type; `owner` is the field the argument names, if any.
    Resource {
        item: syn::ItemStruct,
        owner: Ident,
    },
    Handler {
        item: syn::ItemFn,
        param: Ident,
    },
    /// Anything else (reported by `check`).
    Other(syn::Item),
}

pub(crate) fn from_item(item: syn::Item, owner: Ident) -> Target {
    match item {
        syn::Item::Struct(item) => Target::Resource { item, owner },
        syn::Item::Fn(item) => Target::Handler { item, param: owner },
        other => Target::Other(other),
    }
}

/// The handler's arguments of type `Principal`.
pub(crate) fn principal_arg(inputs: &Punctuated<FnArg, Token![,]>) -> Option<&syn::PatType> {
    inputs.iter().find_map(|arg| match arg {
        FnArg::Typed(t) if type_name(&t.ty) == "Principal" => Some(t),
        _ => None,
    })
}

/// Whether a pattern binds `name` (through tuple, tuple-struct and struct
/// patterns such as axum's `Path((user_id, order_id))`).
pub(crate) fn binds(pat: &Pat, name: &Ident) -> bool {
    match pat {
        Pat::Ident(p) => &p.ident == name || p.subpat.as_ref().is_some_and(|(_, sub)| binds(sub, name)),
        Pat::Tuple(t) => t.elems.iter().any(|p| binds(p, name)),
        Pat::TupleStruct(t) => t.elems.iter().any(|p| binds(p, name)),
        Pat::Struct(s) => s.fields.iter().any(|f| binds(&f.pat, name)),
        Pat::Reference(r) => binds(&r.pat, name),
        Pat::Paren(p) => binds(&p.pat, name),
        Pat::Type(t) => binds(&t.pat, name),
        _ => false,
    }
}

/// `-> impl Trait`.
pub(crate) fn returns_impl_trait(ty: &Type) -> bool {
    matches!(ty, Type::ImplTrait(_))
}
