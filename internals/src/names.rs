//! How a name is compared with the name lists: `isAdmin`, `IS_ADMIN`,
//! `is-admin`, `is.admin` and ` is_admin\t` are all `is_admin`.
//!
//! The macros normalize field names (and their serde renames) with this, and
//! the runtime normalizes query-string parameter names with it, so a name
//! the macro refuses on a field is the name the `Authentication` layer
//! refuses in a URL.

/// `isAdmin`, `IsAdmin`, `IS_ADMIN`, `is-admin`, `is.admin`, ` is_admin\t`
/// -> `is_admin`. Separators (`-`, `_`, `.`, whitespace) become one `_`; a
/// lower-case letter or digit followed by an upper-case one starts a new
/// word; control characters are dropped (invisible in logs, dropped by some
/// parsers: no part of a name); leading and trailing separators go.
pub fn normalize(name: &str) -> String {
    let name = name.trim_matches(|c: char| c.is_control() || c.is_whitespace());
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower_or_digit = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') || c.is_whitespace() {
            if !out.is_empty() && !out.ends_with('_') {
                out.push('_');
            }
            prev_lower_or_digit = false;
        } else if c.is_control() {
            // Not part of the name.
        } else if c.is_uppercase() {
            if prev_lower_or_digit && !out.ends_with('_') {
                out.push('_');
            }
            out.extend(c.to_lowercase());
            prev_lower_or_digit = false;
        } else {
            out.push(c);
            prev_lower_or_digit = c.is_lowercase() || c.is_ascii_digit();
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    out
}

/// The parts of a wire name that a server may read as a parameter name,
/// normalized: nothing from a NUL on (C parsers stop there), and `api_key[]`
/// / `auth[token]` read as their parts (`api_key`; `auth`, `token`), the
/// bracket forms that PHP, Rails and qs parse into arrays and maps.
pub fn name_parts(name: &str) -> impl Iterator<Item = String> + '_ {
    let name = name.split('\0').next().unwrap_or_default();
    name.split(['[', ']']).map(normalize).filter(|part| !part.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_every_spelling() {
        for n in ["isAdmin", "IsAdmin", "IS_ADMIN", "is-admin", "is_admin", "is__admin_", "IS-ADMIN", "is.admin"] {
            assert_eq!(normalize(n), "is_admin", "{n}");
        }
        for n in ["api_key", "apiKey", "API-KEY", "api.key", "Api_Key_", " api_key\t", "api_key\u{1}"] {
            assert_eq!(normalize(n), "api_key", "{n:?}");
        }
        assert_eq!(normalize("APIKey"), "apikey");
        assert_eq!(normalize("pageSize2"), "page_size2");
        assert_eq!(normalize("access-token"), "access_token");
    }

    #[test]
    fn parts_read_brackets_and_drop_padding() {
        let parts = |n: &str| name_parts(n).collect::<Vec<_>>();
        assert_eq!(parts("api_key[]"), ["api_key"]);
        assert_eq!(parts("auth[token]"), ["auth", "token"]);
        assert_eq!(parts(" X-Api-Key\t"), ["x_api_key"]);
        assert_eq!(parts("token\0.png"), ["token"]);
        assert_eq!(parts("page"), ["page"]);
    }
}
