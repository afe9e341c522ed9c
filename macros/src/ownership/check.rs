//! The checks of `#[owned_by]`: the owner field exists; a handler has a
//! `Principal` bound to a name, binds the parameter, is a free function and
//! returns something that can carry a 403. A target that passes comes out
//! checked, with what `emit` needs resolved.

use syn::spanned::Spanned;
use syn::{FnArg, Ident, Pat, ReturnType, Type};

use super::model::{Target, binds, principal_arg, returns_impl_trait};
use crate::ctxt::Ctxt;
use crate::syntax::{find_derive, remove_derive};

pub(crate) enum Checked {
    Resource { item: syn::ItemStruct, owner: Ident, owner_ty: Type },
    Handler { item: syn::ItemFn, param: Ident, principal: Ident, returns: HandlerReturn },
}

/// How the early 403 leaves the handler.
pub(crate) enum HandlerReturn {
    /// `-> impl Trait`: the handler is rewritten to return a `Response`.
    ImplTrait,
    /// A named type, which must be able to carry a 403.
    Type(Box<Type>),
}

/// Checks the target; the checked target, or the item to emit unchanged
/// next to the errors.
pub(crate) fn check(cx: &Ctxt, target: Target) -> Result<Checked, Box<syn::Item>> {
    match target {
        Target::Resource { item, owner } => resource(cx, item, owner),
        Target::Handler { item, param } => handler(cx, item, param),
        Target::Other(other) => {
            cx.error_on(
                &other,
                "#[owned_by] applies to resource structs and to handler functions",
                "put it on the struct that has an owner field, or on the handler that takes the owner's id",
            );
            Err(Box::new(other))
        }
    }
}

fn resource(cx: &Ctxt, mut item: syn::ItemStruct, owner: Ident) -> Result<Checked, Box<syn::Item>> {
    if let Some(path) = find_derive(&item.attrs, "Serialize") {
        cx.error(
            path.span(),
            format!(
                "`{}` has an owner: a derived `Serialize` would let it leave without an ownership check",
                item.ident
            ),
            "remove `Serialize` from this derive; add `#[secure_response]` and send it as `Authorized<T>`",
        );
        // No conflicting impl next to the error.
        remove_derive(&mut item.attrs, "Serialize");
    }
    let Some(field) = item.fields.iter().find(|f| f.ident.as_ref() == Some(&owner)) else {
        let fields: Vec<String> =
            item.fields.iter().filter_map(|f| f.ident.as_ref().map(ToString::to_string)).collect();
        cx.error(
            owner.span(),
            format!("`{}` has no field `{owner}`", item.ident),
            if fields.is_empty() {
                "name the field that holds the owner's id".to_owned()
            } else {
                format!("name the field that holds the owner's id: one of {}", fields.join(", "))
            },
        );
        return Err(Box::new(syn::Item::Struct(item)));
    };
    let owner_ty = field.ty.clone();
    if cx.has_errors() {
        return Err(Box::new(syn::Item::Struct(item)));
    }
    Ok(Checked::Resource { item, owner, owner_ty })
}

fn handler(cx: &Ctxt, item: syn::ItemFn, param: Ident) -> Result<Checked, Box<syn::Item>> {
    let inputs = &item.sig.inputs;
    let principal = match principal_arg(inputs) {
        Some(t) => match &*t.pat {
            Pat::Ident(p) => Some(p.ident.clone()),
            other => {
                cx.error_on(
                    other,
                    "the ownership check needs the `Principal` bound to a name",
                    "write `principal: Principal`",
                );
                None
            }
        },
        None => {
            cx.error(
                item.sig.ident.span(),
                format!(
                    "the handler `{}` has no `Principal` argument, so there is no one to check ownership against",
                    item.sig.ident
                ),
                "add `principal: Principal` (the authenticated caller) to its arguments",
            );
            None
        }
    };
    if !inputs.iter().any(|arg| matches!(arg, FnArg::Typed(t) if binds(&t.pat, &param))) {
        cx.error(
            param.span(),
            format!("the handler `{}` has no argument `{param}` to check ownership of", item.sig.ident),
            format!("bind it, e.g. `Path({param}): Path<u64>`, or name the path parameter that holds the owner's id"),
        );
    }
    if let Some(receiver) = inputs.iter().find(|a| matches!(a, FnArg::Receiver(_))) {
        cx.error_on(receiver, "#[owned_by] applies to handler functions, not methods", "make it a free function");
    }
    let returns = match &item.sig.output {
        ReturnType::Type(_, ty) if returns_impl_trait(ty) => Some(HandlerReturn::ImplTrait),
        ReturnType::Type(_, ty) => Some(HandlerReturn::Type(ty.clone())),
        ReturnType::Default => {
            cx.error(
                item.sig.ident.span(),
                "an #[owned_by] handler must return something that can carry a 403",
                "return `Result<_, ApiError>` or `impl IntoResponse`",
            );
            None
        }
    };
    match (principal, returns) {
        (Some(principal), Some(returns)) if !cx.has_errors() => {
            Ok(Checked::Handler { item, param, principal, returns })
        }
        _ => Err(Box::new(syn::Item::Fn(item))),
    }
}
