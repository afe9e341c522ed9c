//! `#[owned_by(field)]` on a resource type and `#[owned_by(param)]` on a
//! handler.
//!
//! On a type: `Owned` (the owner field), a `Serialize` (and, with axum, an
//! `IntoResponse`) that can never be used, so the type leaves the server only
//! as `Authorized<T>`; a `#[secure_response]` below learns that it must not
//! write `Serialize` itself.
//!
//! On a handler: the ownership check of the path parameter against the
//! handler's `Principal`, before the body runs.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, FnArg, Ident, Pat, ReturnType, Token, Type};

use crate::ctxt::Ctxt;

pub(crate) fn expand(args: TokenStream, input: TokenStream) -> TokenStream {
    let cx = Ctxt::new();
    let owner = match syn::parse2::<Ident>(args.clone()) {
        Ok(ident) => Some(ident),
        Err(_) => {
            let span = if args.is_empty() { Span::call_site() } else { args.span() };
            cx.error(
                span,
                "#[owned_by] names one owner field (on a type) or one path parameter (on a handler)",
                "write e.g. `#[owned_by(user_id)]`",
            );
            None
        }
    };
    let item: syn::Item = match syn::parse2(input.clone()) {
        Ok(item) => item,
        Err(e) => {
            let e = e.to_compile_error();
            return quote!(#input #e);
        }
    };
    let (item, code) = match (item, owner) {
        (syn::Item::Struct(s), Some(owner)) => on_struct(&cx, s, &owner),
        (syn::Item::Fn(f), Some(owner)) => on_handler(&cx, f, &owner),
        (item @ (syn::Item::Struct(_) | syn::Item::Fn(_)), None) => (quote!(#item), TokenStream::new()),
        (other, _) => {
            cx.error_on(
                &other,
                "#[owned_by] applies to resource structs and to handler functions",
                "put it on the struct that has an owner field, or on the handler that takes the owner's id",
            );
            (quote!(#other), TokenStream::new())
        }
    };
    let errors = cx.into_compile_errors();
    quote!(#item #code #errors)
}

fn last_segment(path: &syn::Path) -> String {
    path.segments.last().map(|s| s.ident.to_string()).unwrap_or_default()
}

/// Removes `name` from the item's `#[derive(...)]` lists (so that after its
/// error, no conflicting impl adds noise) and returns its path, if present.
pub(crate) fn remove_derive(attrs: &mut Vec<Attribute>, name: &str) -> Option<syn::Path> {
    let mut found = None;
    for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
        let Ok(paths) = attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated) else {
            continue;
        };
        let (removed, kept): (Vec<_>, Vec<_>) = paths.into_iter().partition(|p| last_segment(p) == name);
        if let Some(first) = removed.into_iter().next() {
            found = Some(first);
            *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
        }
    }
    attrs.retain(|a| !(a.path().is_ident("derive") && matches!(&a.meta, syn::Meta::List(l) if l.tokens.is_empty())));
    found
}

/// Appends `__owned_by = field` to a `#[secure_response(...)]` of the item,
/// which expands after this attribute.
fn tell_secure_response(attrs: &mut [Attribute], owner: &Ident) {
    for attr in attrs.iter_mut().filter(|a| last_segment(a.path()) == "secure_response") {
        let path = attr.path().clone();
        let existing = match &attr.meta {
            syn::Meta::List(list) => list.tokens.clone(),
            _ => TokenStream::new(),
        };
        let separator = if existing.is_empty() { quote!() } else { quote!(,) };
        *attr = syn::parse_quote!(#[#path(#existing #separator __owned_by = #owner)]);
    }
}

fn on_struct(cx: &Ctxt, mut s: syn::ItemStruct, owner: &Ident) -> (TokenStream, TokenStream) {
    let field = s.fields.iter().find(|f| f.ident.as_ref() == Some(owner));
    let Some(field) = field else {
        let fields: Vec<String> = s.fields.iter().filter_map(|f| f.ident.as_ref().map(ToString::to_string)).collect();
        cx.error(
            owner.span(),
            format!("`{}` has no field `{owner}`", s.ident),
            if fields.is_empty() {
                "name the field that holds the owner's id".to_owned()
            } else {
                format!("name the field that holds the owner's id: one of {}", fields.join(", "))
            },
        );
        return (quote!(#s), TokenStream::new());
    };
    if let Some(path) = remove_derive(&mut s.attrs, "Serialize") {
        cx.error(
            path.span(),
            format!("`{}` has an owner: a derived `Serialize` would let it leave without an ownership check", s.ident),
            "remove `Serialize` from this derive; add `#[secure_response]` and send it as `Authorized<T>`",
        );
    }
    let owner_ty = field.ty.clone();
    tell_secure_response(&mut s.attrs, owner);
    let p = quote!(::apishield::__private);
    let ident = &s.ident;
    let (impl_g, ty_g, where_g) = s.generics.split_for_impl();
    // The `IntoResponse` poison names the type alone, so only non-generic types get it.
    let into_response = s.generics.params.is_empty().then(|| quote!(::apishield::__owned_into_response!(#ident);));
    let ty_span = owner_ty.span();
    let owned = quote_spanned! {ty_span=>
        #[automatically_derived]
        impl #impl_g #p::Owned for #ident #ty_g #where_g {
            type Owner = #owner_ty;

            #[inline]
            fn owner(&self) -> &Self::Owner {
                &self.#owner
            }
        }
    };
    let mut poisoned_generics = s.generics.clone();
    poisoned_generics
        .make_where_clause()
        .predicates
        .push(syn::parse_quote!(for<'__apishield> #ident #ty_g: #p::AuthorizeBeforeSerializing));
    let (_, _, poisoned_where) = poisoned_generics.split_for_impl();
    let code = quote! {
        const _: () = {
            #owned

            #[automatically_derived]
            #[allow(unused_lifetimes, single_use_lifetimes)]
            impl #impl_g #p::serde::Serialize for #ident #ty_g #poisoned_where {
                fn serialize<__S: #p::serde::Serializer>(&self, _: __S) -> #p::Result<__S::Ok, __S::Error> {
                    ::core::unreachable!()
                }
            }

            #into_response
        };
    };
    (quote!(#s), code)
}

/// Whether a pattern binds `name` (through tuple, tuple-struct and struct
/// patterns such as axum's `Path((user_id, order_id))`).
fn binds(pat: &Pat, name: &Ident) -> bool {
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

fn is_principal(ty: &Type) -> bool {
    match ty {
        Type::Path(p) => last_segment(&p.path) == "Principal",
        Type::Reference(r) => is_principal(&r.elem),
        Type::Group(g) => is_principal(&g.elem),
        _ => false,
    }
}

fn on_handler(cx: &Ctxt, mut f: syn::ItemFn, param: &Ident) -> (TokenStream, TokenStream) {
    let inputs: &Punctuated<FnArg, Token![,]> = &f.sig.inputs;
    let principal = inputs.iter().find_map(|arg| match arg {
        FnArg::Typed(t) if is_principal(&t.ty) => Some(t),
        _ => None,
    });
    let principal = match principal {
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
                f.sig.ident.span(),
                format!(
                    "the handler `{}` has no `Principal` argument, so there is no one to check ownership against",
                    f.sig.ident
                ),
                "add `principal: Principal` (the authenticated caller) to its arguments",
            );
            None
        }
    };
    let bound = inputs.iter().any(|arg| matches!(arg, FnArg::Typed(t) if binds(&t.pat, param)));
    if !bound {
        cx.error(
            param.span(),
            format!("the handler `{}` has no argument `{param}` to check ownership of", f.sig.ident),
            format!("bind it, e.g. `Path({param}): Path<u64>`, or name the path parameter that holds the owner's id"),
        );
    }
    if let Some(receiver) = inputs.iter().find(|a| matches!(a, FnArg::Receiver(_))) {
        cx.error_on(receiver, "#[owned_by] applies to handler functions, not methods", "make it a free function");
    }
    let Some(principal) = principal.filter(|_| bound && !cx.has_errors()) else {
        return (quote!(#f), TokenStream::new());
    };
    let p = quote!(::apishield::__private);
    let check = quote! {
        if let ::core::result::Result::Err(__apishield_denied) = #p::require_owner(&#principal, &#param) {
            return #p::deny(__apishield_denied);
        }
    };
    let block = &f.block;
    let original = f.clone();
    match &f.sig.output {
        // `impl IntoResponse` cannot be named for the early return: answer a
        // `Response` instead, the body's value turned into one. That is
        // axum's type: without the feature, an error that names it.
        ReturnType::Type(_, ty) if matches!(**ty, Type::ImplTrait(_)) => {
            let body =
                if f.sig.asyncness.is_some() { quote!(async move #block.await) } else { quote!((move || #block)()) };
            // Keep the `impl Trait` bounds (and so the user's imports) in use.
            let body = match &**ty {
                Type::ImplTrait(it) => crate::generics::keep_impl_bounds(&it.bounds, body),
                _ => body,
            };
            f.sig.output = syn::parse_quote!(-> #p::axum::response::Response);
            f.block = syn::parse_quote!({
                #check
                #p::axum::response::IntoResponse::into_response(#body)
            });
            let needs_axum = syn::Error::new(
                Span::call_site(),
                "an `#[owned_by]` handler that returns `impl Trait` needs the `axum` feature of apishield: it \
                 answers axum's `Response`\nhelp: enable it where apishield is a dependency: \
                 `apishield = { version = \"0.1\", features = [\"axum\"] }`, or name the return type",
            )
            .to_compile_error();
            return (quote!(::apishield::__if_axum! { { #f } else { #original #needs_axum } }), TokenStream::new());
        }
        ReturnType::Default => {
            cx.error(
                f.sig.ident.span(),
                "an #[owned_by] handler must return something that can carry a 403",
                "return `Result<_, ApiError>` or `impl IntoResponse`",
            );
        }
        ReturnType::Type(..) => {
            f.block = syn::parse_quote!({
                #check
                #block
            });
        }
    }
    (quote!(#f), TokenStream::new())
}
