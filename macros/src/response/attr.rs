//! Parsing of `#[secure_response(...)]`'s arguments and of the `#[serde]`
//! and `#[shield]` attributes of its fields. Syntax problems are recorded in
//! the [`Ctxt`] and parsing goes on, so one compile reports every mistake.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Attribute, ExprPath, LitStr};

use crate::ctxt::Ctxt;
use crate::names::RenameRule;
use crate::syntax::{path_name, skip_value};

pub(crate) struct Args {
    /// `from = Model`: generate `From<&Model>`.
    pub(crate) from: Option<syn::Path>,
}
pub(crate) fn parse_args(cx: &Ctxt, args: TokenStream) -> Args {
    let mut out = Args { from: None };
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("from") {
            out.from = Some(meta.value()?.parse()?);
        } else {
            let name = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
            cx.error(
                meta.path.span(),
                format!("unknown argument `{name}`"),
                "write `#[secure_response]` or `#[secure_response(from = Model)]`",
            );
            if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            }
        }
        Ok(())
    });
    if let Err(e) = syn::parse::Parser::parse2(parser, args) {
        cx.syn_error(e);
    }
    out
}
/// `rename = "x"` or `rename(serialize = "x")`: the serialize side is what a response sends.
pub(crate) fn serialize_side(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<Option<String>> {
    if meta.input.peek(syn::Token![=]) {
        return Ok(Some(meta.value()?.parse::<LitStr>()?.value()));
    }
    let mut found = None;
    meta.parse_nested_meta(|m| {
        let v = m.value()?.parse::<LitStr>()?.value();
        if m.path.is_ident("serialize") {
            found = Some(v);
        }
        Ok(())
    })?;
    Ok(found)
}

/// What the `#[serde]` and `#[shield]` attributes of a field say.
pub(crate) struct FieldAttrs {
    /// The serialize-side `rename`.
    pub(crate) rename: Option<String>,
    /// `#[serde(skip)]` or `#[serde(skip_serializing)]`.
    pub(crate) serde_skip: bool,
    pub(crate) skip_if: Option<ExprPath>,
    pub(crate) expose: Option<Span>,
    pub(crate) shield_skip: Option<Span>,
}

pub(crate) fn field_attrs(cx: &Ctxt, attrs: &[Attribute]) -> FieldAttrs {
    let mut rename = None;
    let mut skip = false;
    let mut skip_if = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let result = attr.parse_nested_meta(|meta| {
            let name = path_name(&meta.path);
            match name.as_str() {
                "rename" => rename = serialize_side(&meta)?.or(rename.take()),
                "skip" | "skip_serializing" => skip = true,
                "skip_serializing_if" => {
                    let lit: LitStr = meta.value()?.parse()?;
                    skip_if = Some(lit.parse::<ExprPath>()?);
                }
                // Deserialization-side attributes belong to the user's own `Deserialize` derive.
                "alias" | "default" | "skip_deserializing" | "deserialize_with" | "borrow" => skip_value(&meta)?,
                "flatten" => {
                    cx.error(
                        meta.path.span(),
                        "`#[serde(flatten)]` would send fields this type does not list",
                        "list the fields here, or nest the other #[secure_response] type as a field",
                    );
                    skip_value(&meta)?;
                }
                _ => {
                    cx.error(
                        meta.path.span(),
                        format!("`#[serde({name})]` is not supported by #[secure_response]"),
                        "the supported field attributes are rename, skip, skip_serializing and skip_serializing_if",
                    );
                    skip_value(&meta)?;
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    let mut expose = None;
    let mut shield_skip = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("shield")) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("expose") {
                expose = Some(meta.path.span());
            } else if meta.path.is_ident("skip") {
                shield_skip = Some(meta.path.span());
            } else {
                cx.error(
                    meta.path.span(),
                    format!("unknown response rule `{}`", path_name(&meta.path)),
                    "a response field takes `#[shield(expose)]` (send a secret-like field deliberately) or \
                     `#[shield(skip)]` (never send it)",
                );
                skip_value(&meta)?;
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    FieldAttrs { rename, serde_skip: skip, skip_if, expose, shield_skip }
}

/// `rename_all` from the type's `#[serde(...)]`; other keys are refused or ignored.
pub(crate) fn container_serde(cx: &Ctxt, attrs: &[Attribute]) -> Option<RenameRule> {
    let mut rename_all = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let result = attr.parse_nested_meta(|meta| {
            let name = path_name(&meta.path);
            match name.as_str() {
                "rename_all" => {
                    let span = meta.path.span();
                    if let Some(s) = serialize_side(&meta)? {
                        rename_all = RenameRule::parse(&s);
                        if rename_all.is_none() {
                            cx.error(
                                span,
                                format!("unknown rename rule {s:?}"),
                                format!("use one of {}", RenameRule::NAMES),
                            );
                        }
                    }
                }
                "rename" | "deny_unknown_fields" | "crate" | "expecting" | "default" | "from" | "try_from" => {
                    skip_value(&meta)?;
                }
                _ => {
                    cx.error(
                        meta.path.span(),
                        format!("`#[serde({name})]` is not supported by #[secure_response]"),
                        "the supported type attribute is rename_all",
                    );
                    skip_value(&meta)?;
                }
            }
            Ok(())
        });
        if let Err(e) = result {
            cx.syn_error(e);
        }
    }
    rename_all
}
