//! The crate-wide policy: ceilings and name lists, the security reference's
//! values unless the crate (or its workspace) tightens them in `Cargo.toml`:
//!
//! ```toml
//! [package.metadata.apishield]     # or [workspace.metadata.apishield]
//! max_string_len = 2000            # ceilings can only go down
//! max_items = 50
//! max_page_size = 50
//! default_page_size = 20
//! max_query_len = 300
//! privileged_fields = ["org_id"]   # lists can only grow
//! credential_fields = ["otp"]
//! secret_fields = ["tax_id"]       # responses: names that never leave the server
//! ```
//!
//! Read at expansion time; cargo rebuilds the crate when its `Cargo.toml`
//! changes. Loosening is only possible per field and visibly
//! (`allow_large`, `client_settable`), never crate-wide.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use apishield_internals::limits;

use crate::names::normalize;

pub(crate) use apishield_internals::lists::{CREDENTIAL_FIELDS, PAGE_SIZE_FIELDS, PRIVILEGED_FIELDS};

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Policy {
    pub(crate) max_string_len: u64,
    pub(crate) max_items: u64,
    pub(crate) max_page_size: u64,
    pub(crate) default_page_size: u64,
    pub(crate) max_query_len: u64,
    pub(crate) privileged_fields: Vec<String>,
    pub(crate) credential_fields: Vec<String>,
    /// Added to the built-in secret names of `#[secure_response]`.
    pub(crate) secret_fields: Vec<String>,
}

impl Default for Policy {
    /// The security reference's values.
    fn default() -> Self {
        Policy {
            max_string_len: limits::MAX_STRING_LEN,
            max_items: limits::MAX_ITEMS,
            max_page_size: limits::MAX_PAGE_SIZE,
            default_page_size: limits::DEFAULT_PAGE_SIZE,
            max_query_len: limits::MAX_QUERY_LEN,
            privileged_fields: PRIVILEGED_FIELDS.iter().map(|s| (*s).to_owned()).collect(),
            credential_fields: CREDENTIAL_FIELDS.iter().map(|s| (*s).to_owned()).collect(),
            secret_fields: Vec::new(),
        }
    }
}

impl Policy {
    pub(crate) fn is_privileged(&self, normalized: &str) -> bool {
        self.privileged_fields.iter().any(|n| n == normalized)
    }

    pub(crate) fn is_credential(&self, normalized: &str) -> bool {
        self.credential_fields.iter().any(|n| n == normalized)
    }

    /// Applies one `[*.metadata.apishield]` table, which may only tighten.
    pub(crate) fn apply(&mut self, table: &toml::Table, origin: &str) -> Result<(), String> {
        for (key, value) in table {
            match key.as_str() {
                "max_string_len" => tighten(&mut self.max_string_len, key, value, origin)?,
                "max_items" => tighten(&mut self.max_items, key, value, origin)?,
                "max_page_size" => tighten(&mut self.max_page_size, key, value, origin)?,
                "default_page_size" => tighten(&mut self.default_page_size, key, value, origin)?,
                "max_query_len" => tighten(&mut self.max_query_len, key, value, origin)?,
                "privileged_fields" => extend(&mut self.privileged_fields, key, value, origin)?,
                "credential_fields" => extend(&mut self.credential_fields, key, value, origin)?,
                "secret_fields" => extend(&mut self.secret_fields, key, value, origin)?,
                _ => {
                    return Err(format!(
                        "unknown key `{key}` in {origin}\nhelp: the keys are max_string_len, max_items, max_page_size, \
                         default_page_size, max_query_len, privileged_fields, credential_fields and secret_fields"
                    ));
                }
            }
        }
        if self.default_page_size > self.max_page_size {
            return Err(format!(
                "default_page_size ({}) is above max_page_size ({}) in {origin}\nhelp: lower default_page_size",
                self.default_page_size, self.max_page_size
            ));
        }
        Ok(())
    }
}

fn tighten(current: &mut u64, key: &str, value: &toml::Value, origin: &str) -> Result<(), String> {
    let n = value.as_integer().and_then(|n| u64::try_from(n).ok()).filter(|n| *n > 0).ok_or_else(|| {
        format!("`{key}` in {origin} must be a positive integer\nhelp: write e.g. `{key} = {current}`")
    })?;
    if n > *current {
        return Err(format!(
            "`{key} = {n}` in {origin} loosens the policy (the limit is {current})\nhelp: a crate can only tighten \
             ceilings; to accept more on one field, mark that field `#[shield(allow_large)]`"
        ));
    }
    *current = n;
    Ok(())
}

fn extend(list: &mut Vec<String>, key: &str, value: &toml::Value, origin: &str) -> Result<(), String> {
    let items = value.as_array().ok_or_else(|| {
        format!("`{key}` in {origin} must be a list of field names\nhelp: write e.g. `{key} = [\"org_id\"]`")
    })?;
    for item in items {
        let name = item.as_str().filter(|s| !s.is_empty()).ok_or_else(|| {
            format!("`{key}` in {origin} must hold only non-empty strings\nhelp: write e.g. `{key} = [\"org_id\"]`")
        })?;
        let name = normalize(name);
        if !list.contains(&name) {
            list.push(name);
        }
    }
    Ok(())
}

/// The policy of the crate being compiled.
pub(crate) fn current() -> Result<Arc<Policy>, String> {
    let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return Ok(Arc::new(Policy::default()));
    };
    type Loaded = Result<Arc<Policy>, String>;
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Loaded>>> = OnceLock::new();
    let dir = PathBuf::from(dir);
    let cache = CACHE.get_or_init(Default::default);
    if let Ok(cache) = cache.lock()
        && let Some(found) = cache.get(&dir)
    {
        return found.clone();
    }
    let loaded = load(&dir).map(Arc::new);
    if let Ok(mut cache) = cache.lock() {
        cache.insert(dir, loaded.clone());
    }
    loaded
}

fn read_manifest(path: &Path) -> Result<Option<toml::Table>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    text.parse::<toml::Table>().map(Some).map_err(|e| format!("cannot parse {}: {e}", path.display()))
}

fn metadata<'t>(manifest: &'t toml::Table, section: &str) -> Option<&'t toml::Value> {
    manifest.get(section)?.get("metadata")?.get("apishield")
}

fn table<'v>(value: &'v toml::Value, origin: &str) -> Result<&'v toml::Table, String> {
    value.as_table().ok_or_else(|| format!("{origin} must be a table\nhelp: write it as a `[{origin}]` section"))
}

fn load(dir: &Path) -> Result<Policy, String> {
    let mut policy = Policy::default();
    let package_manifest = dir.join("Cargo.toml");
    let package = read_manifest(&package_manifest)?;
    // The workspace's table first: a package can tighten it further.
    let workspace_root = match &package {
        Some(p) if p.contains_key("workspace") => Some((package_manifest.clone(), p.clone())),
        _ => find_workspace(dir)?,
    };
    if let Some((path, manifest)) = &workspace_root
        && let Some(value) = metadata(manifest, "workspace")
    {
        let origin = format!("[workspace.metadata.apishield] of {}", path.display());
        policy.apply(table(value, &origin)?, &origin)?;
    }
    if let Some(manifest) = &package
        && let Some(value) = metadata(manifest, "package")
    {
        let origin = format!("[package.metadata.apishield] of {}", package_manifest.display());
        policy.apply(table(value, &origin)?, &origin)?;
    }
    Ok(policy)
}

fn find_workspace(dir: &Path) -> Result<Option<(PathBuf, toml::Table)>, String> {
    for ancestor in dir.ancestors().skip(1) {
        let path = ancestor.join("Cargo.toml");
        if let Some(manifest) = read_manifest(&path)?
            && manifest.contains_key("workspace")
        {
            return Ok(Some((path, manifest)));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str) -> Result<Policy, String> {
        let table: toml::Table = text.parse().map_err(|e| format!("{e}"))?;
        let mut policy = Policy::default();
        policy.apply(&table, "[package.metadata.apishield]")?;
        Ok(policy)
    }

    #[test]
    fn tightens_and_extends() {
        let p = apply("max_string_len = 2000\nmax_items = 10\nprivileged_fields = [\"orgId\"]\n").unwrap();
        assert_eq!(p.max_string_len, 2000);
        assert_eq!(p.max_items, 10);
        assert!(p.is_privileged("org_id"));
        assert!(p.is_privileged("role"), "extending keeps the defaults");
    }

    #[test]
    fn refuses_to_loosen_or_guess() {
        assert!(apply("max_string_len = 20000").unwrap_err().contains("loosens"));
        assert!(apply("max_items = 0").unwrap_err().contains("positive integer"));
        assert!(apply("max_items = \"5\"").unwrap_err().contains("positive integer"));
        assert!(apply("max_item = 5").unwrap_err().contains("unknown key `max_item`"));
        assert!(apply("privileged_fields = \"role\"").unwrap_err().contains("list of field names"));
        assert!(apply("privileged_fields = [1]").unwrap_err().contains("non-empty strings"));
        assert!(apply("max_page_size = 10").unwrap_err().contains("default_page_size (20) is above"));
    }

    #[test]
    fn reads_package_and_workspace_tables() {
        let root = std::env::temp_dir().join(format!("apishield-policy-{}", std::process::id()));
        let member = root.join("member");
        std::fs::create_dir_all(&member).unwrap();
        std::fs::write(
            root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"member\"]\n[workspace.metadata.apishield]\nmax_items = 50\n",
        )
        .unwrap();
        std::fs::write(
            member.join("Cargo.toml"),
            "[package]\nname = \"m\"\n[package.metadata.apishield]\nmax_string_len = 300\ncredential_fields = [\"otp\"]\n",
        )
        .unwrap();
        let p = load(&member).unwrap();
        assert_eq!((p.max_items, p.max_string_len), (50, 300));
        assert!(p.is_credential("otp"));
        std::fs::write(
            member.join("Cargo.toml"),
            "[package]\nname = \"m\"\n[package.metadata.apishield]\nmax_items = 60\n",
        )
        .unwrap();
        assert!(load(&member).unwrap_err().contains("loosens"), "a package cannot undo its workspace's ceiling");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
