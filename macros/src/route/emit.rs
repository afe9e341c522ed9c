//! The guard argument, first among the handler's, and for roles and scopes
//! the marker type that names them.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Kind;
use super::check::Checked;
use crate::syntax::private;

pub(crate) fn emit(checked: Checked) -> TokenStream {
    let p = private();
    let Checked { mut item, kind, names } = checked;
    let original = item.clone();
    let vis = &item.vis;
    let vis = vis.clone();
    let (marker_item, guard) = match kind {
        Kind::Public => (TokenStream::new(), quote!(#p::PublicRoute)),
        Kind::Role | Kind::Scope => {
            let (prefix, guard, trait_, constant) = if kind == Kind::Role {
                ("roles", quote!(RoleGuard), quote!(Roles), quote!(ROLES))
            } else {
                ("scopes", quote!(ScopeGuard), quote!(Scopes), quote!(SCOPES))
            };
            let marker = format_ident!("__apishield_{}_{}", prefix, item.sig.ident);
            let doc = format!("The {prefix} `{}` requires.", item.sig.ident);
            let marker_item = quote! {
                #[doc = #doc]
                #[doc(hidden)]
                #[allow(non_camel_case_types)]
                #vis struct #marker;

                #[automatically_derived]
                impl #p::#trait_ for #marker {
                    const #constant: &'static [&'static str] = &[#(#names),*];
                }
            };
            (marker_item, quote!(#p::#guard<#marker>))
        }
    };
    // First, so that the check runs before any other extractor reads the
    // request (a body is not parsed for a caller who may not call).
    item.sig.inputs.insert(0, syn::parse_quote!(_: #guard));
    let gated = quote! {
        #marker_item
        #item
    };
    let needs_axum = syn::Error::new(
        proc_macro2::Span::call_site(),
        format!(
            "`{}` needs the `axum` feature of apishield: it guards an axum handler\nhelp: enable it where apishield is a dependency: `apishield = {{ version = \"0.1\", features = [\"axum\"] }}`",
            kind.attribute()
        ),
    )
    .to_compile_error();
    quote!(::apishield::__if_axum! { { #gated } else { #original #needs_axum } })
}
