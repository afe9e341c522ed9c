//! Field names: serde's renaming rules, and the normalization used to match
//! names against the policy's lists (`isAdmin`, `IS_ADMIN` and `is-admin` are
//! all `is_admin`; shared with the runtime through `apishield-internals`).

/// serde's `rename_all` rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RenameRule {
    Lower,
    Upper,
    Pascal,
    Camel,
    Snake,
    ScreamingSnake,
    Kebab,
    ScreamingKebab,
}

impl RenameRule {
    pub(crate) const NAMES: &'static str = "\"lowercase\", \"UPPERCASE\", \"PascalCase\", \"camelCase\", \"snake_case\", \"SCREAMING_SNAKE_CASE\", \"kebab-case\", \"SCREAMING-KEBAB-CASE\"";

    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "lowercase" => RenameRule::Lower,
            "UPPERCASE" => RenameRule::Upper,
            "PascalCase" => RenameRule::Pascal,
            "camelCase" => RenameRule::Camel,
            "snake_case" => RenameRule::Snake,
            "SCREAMING_SNAKE_CASE" => RenameRule::ScreamingSnake,
            "kebab-case" => RenameRule::Kebab,
            "SCREAMING-KEBAB-CASE" => RenameRule::ScreamingKebab,
            _ => return None,
        })
    }

    /// Renames a field (Rust spells fields in snake_case), as serde does.
    pub(crate) fn apply_to_field(self, field: &str) -> String {
        match self {
            RenameRule::Lower | RenameRule::Snake => field.to_owned(),
            RenameRule::Upper | RenameRule::ScreamingSnake => field.to_ascii_uppercase(),
            RenameRule::Pascal | RenameRule::Camel => {
                let mut out = String::new();
                let mut capitalize = self == RenameRule::Pascal;
                for c in field.chars() {
                    if c == '_' {
                        capitalize = true;
                    } else if capitalize {
                        out.extend(c.to_uppercase());
                        capitalize = false;
                    } else {
                        out.push(c);
                    }
                }
                out
            }
            RenameRule::Kebab => field.replace('_', "-"),
            RenameRule::ScreamingKebab => field.to_ascii_uppercase().replace('_', "-"),
        }
    }

    /// Renames a variant (Rust spells variants in PascalCase), as serde does.
    pub(crate) fn apply_to_variant(self, variant: &str) -> String {
        match self {
            RenameRule::Pascal => variant.to_owned(),
            RenameRule::Lower => variant.to_ascii_lowercase(),
            RenameRule::Upper => variant.to_ascii_uppercase(),
            RenameRule::Camel => {
                let mut chars = variant.chars();
                match chars.next() {
                    Some(first) => first.to_lowercase().chain(chars).collect(),
                    None => String::new(),
                }
            }
            RenameRule::Snake => {
                let mut out = String::new();
                for (i, c) in variant.char_indices() {
                    if i > 0 && c.is_uppercase() {
                        out.push('_');
                    }
                    out.extend(c.to_lowercase());
                }
                out
            }
            RenameRule::ScreamingSnake => RenameRule::Snake.apply_to_variant(variant).to_ascii_uppercase(),
            RenameRule::Kebab => RenameRule::Snake.apply_to_variant(variant).replace('_', "-"),
            RenameRule::ScreamingKebab => RenameRule::ScreamingSnake.apply_to_variant(variant).replace('_', "-"),
        }
    }
}

pub(crate) use apishield_internals::names::normalize;

/// The parts of a wire name that a server may read as a parameter name,
/// normalized (`api_key[]` -> `api_key`; `auth[token]` -> `auth`, `token`),
/// exactly as the runtime's query-string check reads them.
pub(crate) fn credential_parts(name: &str) -> Vec<String> {
    apishield_internals::names::name_parts(name).collect()
}

/// The Rust name of an identifier without its `r#` prefix.
pub(crate) fn unraw(ident: &syn::Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_owned).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_every_spelling() {
        for n in ["isAdmin", "IsAdmin", "IS_ADMIN", "is-admin", "is_admin", "is__admin_", "IS-ADMIN"] {
            assert_eq!(normalize(n), "is_admin", "{n}");
        }
        assert_eq!(normalize("apiKey"), "api_key");
        assert_eq!(normalize("APIKey"), "apikey");
        assert_eq!(normalize("pageSize2"), "page_size2");
    }

    #[test]
    fn credential_parts_read_brackets_and_drop_padding() {
        assert_eq!(credential_parts("api_key[]"), ["api_key"]);
        assert_eq!(credential_parts("auth[token]"), ["auth", "token"]);
        assert_eq!(credential_parts(" X-Api-Key\t"), ["x_api_key"]);
        assert_eq!(credential_parts("token\0.png"), ["token"]);
        assert_eq!(credential_parts("page"), ["page"]);
    }

    #[test]
    fn renames_like_serde() {
        assert_eq!(RenameRule::Camel.apply_to_field("page_size"), "pageSize");
        assert_eq!(RenameRule::Pascal.apply_to_field("page_size"), "PageSize");
        assert_eq!(RenameRule::ScreamingKebab.apply_to_field("page_size"), "PAGE-SIZE");
        assert_eq!(RenameRule::Snake.apply_to_variant("BankTransfer"), "bank_transfer");
        assert_eq!(RenameRule::Camel.apply_to_variant("BankTransfer"), "bankTransfer");
        assert_eq!(RenameRule::Kebab.apply_to_variant("BankTransfer"), "bank-transfer");
    }
}
