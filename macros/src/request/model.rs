//! The unchecked model of an annotated item: names resolved the way serde
//! resolves them, rules parsed, types classified. Every node keeps its
//! original syntax for spans. Structural problems (a tuple struct, an
//! untagged enum) are reported here; policy problems in `check`.

use syn::spanned::Spanned;
use syn::{Attribute, Fields, Generics, Ident, Type};

use super::attr::{self, Rules};
use super::shape::{self, Shape};
use crate::ctxt::Ctxt;
use crate::names::{RenameRule, normalize, unraw};
use crate::policy::PAGE_SIZE_FIELDS;
use crate::syntax::cfgs;

pub(crate) struct Container<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) generics: &'a Generics,
    pub(crate) query: bool,
    pub(crate) body: Body<'a>,
}

pub(crate) enum Body<'a> {
    Struct(Vec<Field<'a>>),
    /// Every variant is a unit: read from its name.
    UnitEnum(Vec<Variant<'a>>),
    /// `#[serde(tag = "..")]`, optionally with `content = ".."`.
    Tagged {
        tag: String,
        content: Option<String>,
        variants: Vec<Variant<'a>>,
    },
}

pub(crate) struct Field<'a> {
    pub(crate) ident: &'a Ident,
    /// The name on the wire (serde renames applied).
    pub(crate) wire: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) ty: &'a Type,
    pub(crate) shape: Shape<'a>,
    pub(crate) rules: Rules,
    /// `#[serde(skip)]`: never read from the client, always `Default`.
    pub(crate) skip: bool,
    /// A page-size query parameter (`limit`, `page_size`, `per_page`).
    pub(crate) page_size: bool,
    pub(crate) cfgs: Vec<&'a Attribute>,
}

impl Field<'_> {
    /// The Rust name and the wire name, normalized for matching against name lists.
    pub(crate) fn names(&self) -> [String; 2] {
        [normalize(&unraw(self.ident)), normalize(&self.wire)]
    }

    /// The names a client may send the field under: the wire name and
    /// the aliases.
    pub(crate) fn client_names(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.wire).chain(&self.aliases)
    }
}

pub(crate) struct Variant<'a> {
    pub(crate) ident: &'a Ident,
    pub(crate) wire: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) kind: VariantKind<'a>,
    pub(crate) cfgs: Vec<&'a Attribute>,
}

pub(crate) enum VariantKind<'a> {
    Unit,
    Struct(Vec<Field<'a>>),
    /// One unnamed field holding a #[secure_request] type.
    Newtype(&'a Type),
}

fn fields<'a>(cx: &Ctxt, named: &'a syn::FieldsNamed, rename_all: Option<RenameRule>, query: bool) -> Vec<Field<'a>> {
    named
        .named
        .iter()
        .filter_map(|f| {
            let ident = f.ident.as_ref()?;
            let serde = attr::parse_serde_item(cx, &f.attrs, false);
            let rust_name = unraw(ident);
            let wire = serde
                .rename
                .clone()
                .unwrap_or_else(|| rename_all.map_or_else(|| rust_name.clone(), |r| r.apply_to_field(&rust_name)));
            let page_size = query
                && (PAGE_SIZE_FIELDS.contains(&normalize(&rust_name).as_str())
                    || PAGE_SIZE_FIELDS.contains(&normalize(&wire).as_str()));
            if let Some((_, default)) = &f.default {
                cx.error_on(
                    default,
                    "default field values are not read by #[secure_request]",
                    "use `#[shield(default = ...)]`",
                );
            }
            Some(Field {
                ident,
                wire,
                aliases: serde.aliases,
                ty: &f.ty,
                shape: shape::classify(&f.ty),
                rules: attr::parse_shield(cx, &f.attrs),
                skip: serde.skip,
                page_size,
                cfgs: cfgs(&f.attrs),
            })
        })
        .collect()
}

/// What the item's `#[derive]`s mean for the expansion.
#[derive(Default, Clone, Copy)]
struct Derives {
    /// `#[serde]` attributes stay for a `Serialize` derive.
    serialize: bool,
    /// An error, and no fallback `Deserialize` impl (it would conflict).
    deserialize: bool,
}

/// Rejects a `#[derive(Deserialize)]` (the macro writes that impl) and tells
/// whether `Serialize` is derived.
fn inspect_derives(cx: &Ctxt, attrs: &[Attribute]) -> Derives {
    let mut derives = Derives::default();
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let _ = attr.parse_nested_meta(|meta| {
            match meta.path.segments.last().map(|s| s.ident.to_string()).as_deref() {
                Some("Deserialize") => {
                    derives.deserialize = true;
                    cx.error(
                        meta.path.span(),
                        "#[secure_request] writes the `Deserialize` impl itself (with validation and unknown fields denied)",
                        "remove `Deserialize` from this derive",
                    );
                }
                Some("Serialize") => derives.serialize = true,
                _ => {}
            }
            Ok(())
        });
    }
    for attr in attrs.iter().filter(|a| a.path().is_ident("shield")) {
        cx.error_on(attr, "`#[shield]` rules go on fields, not on the type", "move the rules to the fields they bound");
    }
    derives
}

pub(crate) struct Parsed<'a> {
    pub(crate) container: Option<Container<'a>>,
    /// Whether the item derives `Serialize` (which reads `#[serde]` attributes).
    pub(crate) derives_serialize: bool,
    /// Whether the item (wrongly) derives `Deserialize`.
    pub(crate) derives_deserialize: bool,
}

pub(crate) fn from_item<'a>(cx: &Ctxt, item: &'a syn::Item, query: bool) -> Parsed<'a> {
    match item {
        syn::Item::Struct(s) => {
            let derives = inspect_derives(cx, &s.attrs);
            let serde = attr::parse_serde_container(cx, &s.attrs);
            if let Some((span, _)) = serde.tag.as_ref().or(serde.content.as_ref()) {
                cx.error(*span, "`tag` and `content` apply to enums", "remove it from the struct");
            }
            if let Some(span) = serde.untagged {
                cx.error(span, "`untagged` applies to enums", "remove it from the struct");
            }
            let container = match &s.fields {
                Fields::Named(named) => Some(Container {
                    ident: &s.ident,
                    generics: &s.generics,
                    query,
                    body: Body::Struct(fields(cx, named, serde.rename_all, query)),
                }),
                Fields::Unnamed(unnamed) => {
                    cx.error_on(
                        unnamed,
                        "#[secure_request] needs named fields: a tuple struct has no field names to validate against",
                        "name the fields: `struct Name { field: Type }`",
                    );
                    None
                }
                Fields::Unit => {
                    cx.error(
                        s.ident.span(),
                        "#[secure_request] needs a struct with braces",
                        format!("write `struct {} {{}}` for a request without fields", s.ident),
                    );
                    None
                }
            };
            Parsed { container, derives_serialize: derives.serialize, derives_deserialize: derives.deserialize }
        }
        syn::Item::Enum(e) => {
            let derives = inspect_derives(cx, &e.attrs);
            Parsed {
                container: enum_container(cx, e, query),
                derives_serialize: derives.serialize,
                derives_deserialize: derives.deserialize,
            }
        }
        syn::Item::Union(u) => {
            cx.error(
                u.union_token.span,
                "#[secure_request] does not apply to unions",
                "use a struct, or an enum with #[serde(tag = \"type\")] to choose between shapes",
            );
            Parsed { container: None, derives_serialize: false, derives_deserialize: false }
        }
        other => {
            cx.error_on(other, "#[secure_request] applies to structs and enums", "put it on the request type");
            Parsed { container: None, derives_serialize: false, derives_deserialize: false }
        }
    }
}

fn enum_container<'a>(cx: &Ctxt, e: &'a syn::ItemEnum, query: bool) -> Option<Container<'a>> {
    let serde = attr::parse_serde_container(cx, &e.attrs);
    if let Some(span) = serde.untagged {
        cx.error(
            span,
            "an untagged enum defeats unknown-field rejection: the first variant that fits wins, extra fields and all",
            "tag it: `#[serde(tag = \"type\")]`, so the client says which variant it sends",
        );
        return None;
    }
    if let (Some((span, _)), None) = (&serde.content, &serde.tag) {
        cx.error(*span, "`content` needs a `tag`", "add `tag = \"type\"` next to it");
    }
    if !e.generics.params.is_empty() {
        cx.error_on(
            &e.generics,
            "#[secure_request] enums cannot be generic",
            "make the variants hold concrete types (a generic struct inside a variant is fine)",
        );
        return None;
    }
    let mut variants = Vec::new();
    let mut all_unit = true;
    for v in &e.variants {
        let item = attr::parse_serde_item(cx, &v.attrs, true);
        let rust_name = unraw(&v.ident);
        let wire = item
            .rename
            .clone()
            .unwrap_or_else(|| serde.rename_all.map_or_else(|| rust_name.clone(), |r| r.apply_to_variant(&rust_name)));
        if item.skip {
            cx.error(v.ident.span(), "skipped variants are not supported", "remove the variant from the request type");
        }
        for attr in v.attrs.iter().filter(|a| a.path().is_ident("shield")) {
            cx.error_on(
                attr,
                "`#[shield]` rules go on fields, not on variants",
                "move the rules to the variant's fields",
            );
        }
        let kind = match &v.fields {
            Fields::Unit => VariantKind::Unit,
            Fields::Named(named) => {
                all_unit = false;
                VariantKind::Struct(fields(cx, named, item.rename_all.or(serde.rename_all_fields), query))
            }
            Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1 => {
                all_unit = false;
                VariantKind::Newtype(&unnamed.unnamed[0].ty)
            }
            Fields::Unnamed(unnamed) => {
                all_unit = false;
                cx.error_on(
                    unnamed,
                    "a tuple variant has no field names to validate against",
                    "use named fields: `Variant { field: Type }`, or one #[secure_request] struct: `Variant(Inner)`",
                );
                continue;
            }
        };
        variants.push(Variant { ident: &v.ident, wire, aliases: item.aliases, kind, cfgs: cfgs(&v.attrs) });
    }
    let body = match serde.tag {
        Some((_, tag)) => Body::Tagged { tag, content: serde.content.map(|(_, c)| c), variants },
        None if all_unit => Body::UnitEnum(variants),
        None => {
            cx.error(
                e.ident.span(),
                "an enum with data needs a tag field that names the variant",
                "add `#[serde(tag = \"type\")]` (or `#[serde(tag = \"type\", content = \"data\")]`)",
            );
            return None;
        }
    };
    Some(Container { ident: &e.ident, generics: &e.generics, query, body })
}
