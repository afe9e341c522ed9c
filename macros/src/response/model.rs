//! Parsing of a `#[secure_response]` item into a model: arguments, fields
//! with their wire names and markers, serde attributes.

use proc_macro2::{Span, TokenStream};
use syn::spanned::Spanned;
use syn::{Attribute, ExprPath, Fields, Generics, Ident, LitStr, Type};

use crate::ctxt::Ctxt;
use crate::names::{RenameRule, unraw};

pub(crate) struct Args {
    /// `from = Model`: generate `From<&Model>`.
    pub(crate) from: Option<syn::Path>,
    /// The owner field, when the type is also `#[owned_by]`.
    pub(crate) owned_by: Option<Ident>,
}

pub(crate) fn parse_args(cx: &Ctxt, args: TokenStream) -> Args {
    let mut out = Args { from: None, owned_by: None };
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("from") {
            out.from = Some(meta.value()?.parse()?);
        } else if meta.path.is_ident("__owned_by") {
            out.owned_by = Some(meta.value()?.parse()?);
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

pub(crate) struct Container<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) args: Args,
    pub(crate) body: Body<'a>,
}

pub(crate) enum Body<'a> {
    Struct(Vec<Field<'a>>),
    /// Every variant a unit: serialized as its name.
    UnitEnum(Vec<(&'a Ident, String, Vec<&'a Attribute>)>),
}

pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) wire: String,
    pub(crate) ty: &'a Type,
    /// Never serialized (`#[shield(skip)]`, `#[serde(skip)]`, `#[serde(skip_serializing)]`).
    pub(crate) skip: bool,
    /// `#[serde(skip_serializing_if = "path")]`.
    pub(crate) skip_if: Option<ExprPath>,
    /// `#[shield(expose)]`: a secret-like name, sent deliberately.
    pub(crate) expose: Option<Span>,
    /// `#[shield(skip)]`, for the error that skip and expose contradict.
    pub(crate) shield_skip: Option<Span>,
    pub(crate) cfgs: Vec<&'a Attribute>,
}

fn cfgs(attrs: &[Attribute]) -> Vec<&Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("cfg")).collect()
}

fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        meta.value()?.parse::<syn::Expr>()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|m| skip_value(&m))?;
    }
    Ok(())
}

/// `rename = "x"` or `rename(serialize = "x")`: the serialize side is what a response sends.
fn serialize_side(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<Option<String>> {
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

fn path_name(path: &syn::Path) -> String {
    path.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>().join("::")
}

fn field<'a>(cx: &Ctxt, f: &'a syn::Field, rename_all: Option<RenameRule>) -> Option<Field<'a>> {
    let ident = f.ident.as_ref()?;
    let mut rename = None;
    let mut skip = false;
    let mut skip_if = None;
    for attr in f.attrs.iter().filter(|a| a.path().is_ident("serde")) {
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
    for attr in f.attrs.iter().filter(|a| a.path().is_ident("shield")) {
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
    let rust_name = unraw(ident);
    let wire = rename.unwrap_or_else(|| rename_all.map_or_else(|| rust_name.clone(), |r| r.apply_to_field(&rust_name)));
    Some(Field {
        ident,
        wire,
        ty: &f.ty,
        skip: skip || shield_skip.is_some(),
        skip_if,
        expose,
        shield_skip,
        cfgs: cfgs(&f.attrs),
    })
}

/// `rename_all` from the type's `#[serde(...)]`; other keys are refused or ignored.
fn container_serde(cx: &Ctxt, attrs: &[Attribute]) -> Option<RenameRule> {
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

/// Rejects `#[derive(Serialize)]` (the macro writes that impl); tells whether
/// `Deserialize` is derived (then `#[serde]` attributes stay for it) and
/// whether the item also carries `#[owned_by(...)]` below this attribute.
pub(crate) struct Inspected {
    pub(crate) derives_deserialize: bool,
    /// Where `Serialize` is derived: an error (reported once, by `#[owned_by]` for owned types).
    pub(crate) derives_serialize: Option<Span>,
    pub(crate) owned_by: Option<Ident>,
}

pub(crate) fn inspect(cx: &Ctxt, attrs: &[Attribute]) -> Inspected {
    let mut out = Inspected { derives_deserialize: false, derives_serialize: None, owned_by: None };
    for attr in attrs {
        let last = attr.path().segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        if attr.path().is_ident("derive") {
            let _ = attr.parse_nested_meta(|meta| {
                match meta.path.segments.last().map(|s| s.ident.to_string()).as_deref() {
                    Some("Serialize") => out.derives_serialize = Some(meta.path.span()),
                    Some("Deserialize") => out.derives_deserialize = true,
                    _ => {}
                }
                Ok(())
            });
        } else if last == "owned_by" {
            if let Ok(ident) = attr.parse_args::<Ident>() {
                out.owned_by = Some(ident);
            }
        } else if attr.path().is_ident("shield") {
            cx.error_on(attr, "`#[shield]` markers go on fields, not on the type", "move it to the field it is about");
        }
    }
    out
}

pub(crate) fn from_item<'a>(cx: &Ctxt, item: &'a syn::Item, args: Args) -> Option<Container<'a>> {
    match item {
        syn::Item::Struct(s) => {
            let rename_all = container_serde(cx, &s.attrs);
            match &s.fields {
                Fields::Named(named) => Some(Container {
                    ident: &s.ident,
                    generics: &s.generics,
                    args,
                    body: Body::Struct(named.named.iter().filter_map(|f| field(cx, f, rename_all)).collect()),
                }),
                Fields::Unnamed(unnamed) => {
                    cx.error_on(
                        unnamed,
                        "#[secure_response] needs named fields: the field names are what it checks",
                        "name the fields: `struct Name { field: Type }`",
                    );
                    None
                }
                Fields::Unit => {
                    cx.error(
                        s.ident.span(),
                        "#[secure_response] needs a struct with fields",
                        "add the fields the response sends",
                    );
                    None
                }
            }
        }
        syn::Item::Enum(e) => {
            let rename_all = container_serde(cx, &e.attrs);
            if !e.generics.params.is_empty() {
                cx.error_on(&e.generics, "#[secure_response] enums cannot be generic", "use concrete types");
                return None;
            }
            let mut variants = Vec::new();
            for v in &e.variants {
                if !matches!(v.fields, Fields::Unit) {
                    cx.error_on(
                        &v.fields,
                        "#[secure_response] enums must be unit-only (a status, a kind)",
                        "return a #[secure_response] struct for data, with an `Option` field per kind",
                    );
                    continue;
                }
                let mut rename = None;
                for attr in v.attrs.iter().filter(|a| a.path().is_ident("serde")) {
                    let _ = attr.parse_nested_meta(|meta| {
                        if meta.path.is_ident("rename") {
                            rename = serialize_side(&meta)?;
                        } else {
                            skip_value(&meta)?;
                        }
                        Ok(())
                    });
                }
                let name = unraw(&v.ident);
                let wire =
                    rename.unwrap_or_else(|| rename_all.map_or_else(|| name.clone(), |r| r.apply_to_variant(&name)));
                variants.push((&v.ident, wire, cfgs(&v.attrs)));
            }
            if args.from.is_some() {
                cx.error(e.ident.span(), "`from = Model` applies to structs", "remove `from`");
            }
            Some(Container { ident: &e.ident, generics: &e.generics, args, body: Body::UnitEnum(variants) })
        }
        syn::Item::Union(u) => {
            cx.error(u.union_token.span, "#[secure_response] does not apply to unions", "use a struct");
            None
        }
        other => {
            cx.error_on(
                other,
                "#[secure_response] applies to structs and unit-only enums",
                "put it on the response type",
            );
            None
        }
    }
}
