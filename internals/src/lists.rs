//! The built-in name lists, normalized (see [`crate::names::normalize`]). A
//! crate's `[package.metadata.apishield]` can add to them, never remove.

/// Names a client must never set (mass assignment): `#[secure_request]`
/// refuses such a field without `one_of` or `client_settable`.
pub const PRIVILEGED_FIELDS: &[&str] = &[
    "role",
    "roles",
    "is_admin",
    "admin",
    "is_superuser",
    "is_staff",
    "is_verified",
    "verified",
    "email_verified",
    "permissions",
    "scopes",
    "owner_id",
    "tenant_id",
    "account_id",
    "created_at",
    "updated_at",
    "deleted_at",
    "balance",
    "credits",
    "plan",
    "tier",
];

/// Names of credentials, which must not travel in URLs: refused as fields
/// of `#[secure_request(query)]` types, and as query-string parameters by
/// the `Authentication` layer.
pub const CREDENTIAL_FIELDS: &[&str] = &[
    "api_key",
    "apikey",
    "key",
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "jwt",
    "password",
    "secret",
    "client_secret",
    "session",
    "session_id",
    "signature",
    "x_api_key",
    "api_token",
    "apitoken",
    "auth",
    "auth_token",
    "authorization",
    "bearer",
    "private_key",
    "secret_key",
];

/// Names of page-size parameters, bounded in `#[secure_request(query)]`.
pub const PAGE_SIZE_FIELDS: &[&str] = &["limit", "page_size", "per_page"];

/// Names that are secrets whatever the type: `#[secure_response]` refuses
/// such a field unless it is marked `expose` or `skip`.
pub const SECRET_FIELDS: &[&str] = &[
    "password",
    "passwd",
    "password_hash",
    "secret",
    "token",
    "api_key",
    "private_key",
    "ssn",
    "credit_card",
    "card_number",
    "cvv",
    "pin",
    "salt",
    "mfa_secret",
    "otp_secret",
    "recovery_codes",
];

/// Endings that make a name a secret (`stripe_secret`, `session_token`).
pub const SECRET_SUFFIXES: &[&str] = &["_secret", "_token", "_hash", "_password", "_api_key", "_private_key"];

/// Beginnings that make a name a secret (`internal_notes`).
pub const SECRET_PREFIXES: &[&str] = &["internal_"];

/// Whether a normalized name is a built-in secret name: in
/// [`SECRET_FIELDS`], or with one of [`SECRET_SUFFIXES`] or
/// [`SECRET_PREFIXES`].
pub fn is_builtin_secret(name: &str) -> bool {
    SECRET_FIELDS.contains(&name)
        || SECRET_SUFFIXES.iter().any(|s| name.ends_with(s))
        || SECRET_PREFIXES.iter().any(|p| name.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::normalize;

    /// Every entry is already in the form names are compared in.
    #[test]
    fn lists_are_normalized() {
        for list in [PRIVILEGED_FIELDS, CREDENTIAL_FIELDS, PAGE_SIZE_FIELDS, SECRET_FIELDS] {
            for name in list {
                assert_eq!(normalize(name), *name);
            }
        }
    }

    #[test]
    fn secret_names() {
        for name in ["password", "stripe_secret", "session_token", "internal_notes", "user_api_key"] {
            assert!(is_builtin_secret(name), "{name}");
        }
        for name in ["name", "email", "token_count", "hashtag"] {
            assert!(!is_builtin_secret(name), "{name}");
        }
    }
}
