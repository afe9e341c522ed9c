//! Parsing of a `#[secure_response]` item into a model: arguments, fields
//! with their wire names and markers, serde attributes.

use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{Attribute, ExprPath, Fields, Generics, Ident, Type};

use super::attr::{Args, container_serde, field_attrs, serialize_side};
use crate::ctxt::Ctxt;
use crate::names::{RenameRule, unraw};
use crate::syntax::{cfgs, is_attr, last_segment, skip_value};

pub(crate) struct Container<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) args: Args,
    pub(crate) ownership: Ownership,
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

/// Whether the item also carries `#[owned_by(...)]`. `#[owned_by]` puts
/// itself below `#[secure_response]` when written above it (see
/// `ownership`), so this macro always expands first and always sees it.
#[derive(Clone)]
pub(crate) enum Ownership {
    None,
    /// `#[owned_by(field)]`.
    Owned(Ident),
    /// `#[owned_by(...)]` with arguments it will report itself.
    Malformed,
}

/// What the item's other attributes say: derives, `#[owned_by]`.
pub(crate) struct Inspected {
    /// `#[serde]` attributes stay for a `Deserialize` derive.
    pub(crate) derives_deserialize: bool,
    /// Where `Serialize` is derived: an error (this macro writes that impl,
    /// or, for an owned type, none may exist).
    pub(crate) derives_serialize: Option<Span>,
    pub(crate) ownership: Ownership,
}

pub(crate) fn inspect(cx: &Ctxt, attrs: &[Attribute]) -> Inspected {
    let mut out = Inspected { derives_deserialize: false, derives_serialize: None, ownership: Ownership::None };
    for attr in attrs {
        if attr.path().is_ident("derive") {
            let _ = attr.parse_nested_meta(|meta| {
                match last_segment(&meta.path).as_str() {
                    "Serialize" => out.derives_serialize = Some(meta.path.span()),
                    "Deserialize" => out.derives_deserialize = true,
                    _ => {}
                }
                Ok(())
            });
        } else if is_attr(attr, "owned_by") {
            out.ownership = match attr.parse_args::<Ident>() {
                Ok(ident) => Ownership::Owned(ident),
                Err(_) => Ownership::Malformed,
            };
        } else if attr.path().is_ident("shield") {
            cx.error_on(attr, "`#[shield]` markers go on fields, not on the type", "move it to the field it is about");
        }
    }
    out
}

fn field<'a>(cx: &Ctxt, f: &'a syn::Field, rename_all: Option<RenameRule>) -> Option<Field<'a>> {
    let ident = f.ident.as_ref()?;
    let attrs = field_attrs(cx, &f.attrs);
    let rust_name = unraw(ident);
    let wire =
        attrs.rename.unwrap_or_else(|| rename_all.map_or_else(|| rust_name.clone(), |r| r.apply_to_field(&rust_name)));
    Some(Field {
        ident,
        wire,
        ty: &f.ty,
        skip: attrs.serde_skip || attrs.shield_skip.is_some(),
        skip_if: attrs.skip_if,
        expose: attrs.expose,
        shield_skip: attrs.shield_skip,
        cfgs: cfgs(&f.attrs),
    })
}

pub(crate) fn from_item<'a>(cx: &Ctxt, item: &'a syn::Item, args: Args, ownership: Ownership) -> Option<Container<'a>> {
    match item {
        syn::Item::Struct(s) => {
            let rename_all = container_serde(cx, &s.attrs);
            match &s.fields {
                Fields::Named(named) => Some(Container {
                    ident: &s.ident,
                    generics: &s.generics,
                    args,
                    ownership,
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
            Some(Container { ident: &e.ident, generics: &e.generics, args, ownership, body: Body::UnitEnum(variants) })
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
