//! The response policy: no field named like a secret leaves the server
//! unless marked, and `apishield::Secret` never does.

use syn::Type;

use super::model::{Body, Container, Field, Ownership};
use crate::ctxt::Ctxt;
use crate::generics::GenericNames;
use crate::names::{normalize, unraw};
use crate::policy::Policy;

/// Whether a normalized (snake_case) name looks like a secret: a built-in
/// secret name (`password`, `*_secret`, `*_token`, `*_hash`, `*_password`,
/// `*_api_key`, `*_private_key`, `internal_*`, ...: `stripe_secret`,
/// `session_token`, `internal_notes`), or one the crate's policy adds.
pub(crate) fn is_secret_name(name: &str, policy: &Policy) -> bool {
    apishield_internals::lists::is_builtin_secret(name) || policy.secret_fields.iter().any(|n| n == name)
}

/// Whether the type is `apishield::Secret<..>` (read from its syntax).
fn is_secret_type(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => p.path.segments.last().is_some_and(|s| {
            s.ident == "Secret"
                || matches!(&s.arguments, syn::PathArguments::AngleBracketed(a) if a.args.iter().any(|arg| matches!(arg, syn::GenericArgument::Type(t) if is_secret_type(t))))
        }),
        Type::Reference(r) => is_secret_type(&r.elem),
        Type::Group(g) => is_secret_type(&g.elem),
        Type::Paren(p) => is_secret_type(&p.elem),
        _ => false,
    }
}

/// A response type that passed every check.
pub(crate) struct Checked<'a> {
    pub(crate) container: &'a Container<'a>,
    /// The owner field of an `#[owned_by]` type: it gets no `Serialize` and
    /// no `Public` of its own, and leaves only as `Authorized<T>`.
    pub(crate) owner: Option<&'a syn::Ident>,
}

/// Checks the model; the checked model if nothing was reported.
pub(crate) fn check<'a>(cx: &Ctxt, policy: &Policy, c: &'a Container<'a>) -> Option<Checked<'a>> {
    if let Some(model) = &c.args.from {
        check_model(cx, c, model);
    }
    if let Body::Struct(fields) = &c.body {
        for f in fields {
            check_field(cx, policy, f);
        }
    }
    let owner = match &c.ownership {
        Ownership::None => None,
        Ownership::Owned(field) => Some(field),
        // `#[owned_by]` reports its own arguments.
        Ownership::Malformed => return None,
    };
    (!cx.has_errors()).then_some(Checked { container: c, owner })
}

/// `from = Model`: the generated conversion asks the compiler whether the
/// model has an owner, which it can answer only for a concrete type.
fn check_model(cx: &Ctxt, c: &Container<'_>, model: &syn::Path) {
    let ty: Type = syn::parse_quote!(#model);
    if GenericNames::of(c.generics).mentioned_in(&ty) {
        cx.error_on(
            model,
            format!(
                "`from = {}` depends on the type parameters of `{}`, so whether the model has an owner \
                 (`#[owned_by]`) cannot be checked",
                quote::quote!(#model).to_string().replace(' ', ""),
                c.ident
            ),
            "project from a concrete model type, or write the `From` impl by hand (from `&Authorized<Model>` if the model has an owner)",
        );
    }
}

fn check_field(cx: &Ctxt, policy: &Policy, f: &Field<'_>) {
    if let (Some(expose), Some(_)) = (f.expose, f.shield_skip) {
        cx.error(
            expose,
            "`expose` and `skip` contradict each other",
            "keep one: send the field deliberately, or never",
        );
        return;
    }
    let rust = unraw(f.ident);
    let names = [normalize(&rust), normalize(&f.wire)];
    let name = if rust == f.wire { format!("`{rust}`") } else { format!("`{rust}` (sent as `{}`)", f.wire) };
    let secret_name = names.iter().any(|n| is_secret_name(n, policy));
    if !f.skip && is_secret_type(f.ty) {
        cx.error_on(
            f.ty,
            format!("{name} holds an `apishield::Secret`, which never leaves the server"),
            "remove the field from the response type, or mark it `#[shield(skip)]`",
        );
        return;
    }
    if secret_name && !f.skip && f.expose.is_none() {
        cx.error(
            f.ident.span(),
            format!("{name} is named like a secret, and secrets do not belong in responses"),
            "remove it from the response type, or mark it `#[shield(skip)]`; if the response exists to hand it out \
             (an access token from a token endpoint), mark it `#[shield(expose)]`",
        );
    }
    if let Some(span) = f.expose
        && !secret_name
    {
        cx.error(span, format!("`expose` is not needed: {name} is not named like a secret"), "remove `expose`");
    }
}
