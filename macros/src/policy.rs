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
//! Read at expansion time. The generated code includes the manifests it was
//! read from (`include_bytes!`), so cargo's dependency tracking rebuilds the
//! crate when one of them changes: a tightened policy fails the next
//! `cargo check`, not the next edit of a source file. A process that expands
//! for a long time (rust-analyzer's proc-macro server) keeps the policy per
//! crate, and reads it again when a manifest's size or modification time
//! changes. Loosening is only possible per field and visibly
//! (`allow_large`, `client_settable`), never crate-wide.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use proc_macro2::TokenStream;
use quote::quote;

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

/// The policy of the crate being compiled, and the manifests it came from.
pub(crate) struct Current {
    pub(crate) policy: Result<Arc<Policy>, String>,
    /// Every manifest that was read (present or not: creating a workspace
    /// manifest changes the policy too, but only present files can be tracked).
    manifests: Arc<[PathBuf]>,
}

impl Current {
    /// Code that makes the expansion depend on the manifests: cargo records
    /// an included file in the crate's dependency info and rebuilds the
    /// crate when it changes.
    pub(crate) fn tracking(&self) -> TokenStream {
        self.manifests
            .iter()
            .filter(|path| path.is_file())
            .filter_map(|path| path.to_str())
            .map(|path| {
                quote!(
                    const _: &[u8] = ::core::include_bytes!(#path);
                )
            })
            .collect()
    }
}

/// What a cached policy was read from: each probed manifest with its size and
/// modification time (`None`: absent or unreadable).
type Fingerprint = Vec<(PathBuf, Option<(u64, Option<SystemTime>)>)>;

fn fingerprint(paths: &[PathBuf]) -> Fingerprint {
    paths
        .iter()
        .map(|path| {
            let meta = std::fs::metadata(path).ok().map(|m| (m.len(), m.modified().ok()));
            (path.clone(), meta)
        })
        .collect()
}

struct Cached {
    fingerprint: Fingerprint,
    policy: Result<Arc<Policy>, String>,
    manifests: Arc<[PathBuf]>,
}

/// The policy of the crate being compiled (`CARGO_MANIFEST_DIR`).
pub(crate) fn current() -> Current {
    match std::env::var_os("CARGO_MANIFEST_DIR") {
        Some(dir) => current_for(Path::new(&dir)),
        None => Current { policy: Ok(Arc::new(Policy::default())), manifests: Arc::from(Vec::new()) },
    }
}

/// The policy of the package in `dir`, from the process-wide cache while its
/// manifests are unchanged.
fn current_for(dir: &Path) -> Current {
    static CACHE: OnceLock<Mutex<HashMap<PathBuf, Cached>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Ok(cache) = cache.lock()
        && let Some(found) = cache.get(dir)
        && fingerprint(&found.manifests) == found.fingerprint
    {
        return Current { policy: found.policy.clone(), manifests: found.manifests.clone() };
    }
    let mut probed = Vec::new();
    let policy = load(dir, &mut probed).map(Arc::new);
    let manifests: Arc<[PathBuf]> = Arc::from(probed);
    if let Ok(mut cache) = cache.lock() {
        let cached =
            Cached { fingerprint: fingerprint(&manifests), policy: policy.clone(), manifests: manifests.clone() };
        cache.insert(dir.to_owned(), cached);
    }
    Current { policy, manifests }
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

/// Reads the policy of the package in `dir`; `probed` gets every manifest
/// path looked at, for the cache and for cargo's dependency tracking.
fn load(dir: &Path, probed: &mut Vec<PathBuf>) -> Result<Policy, String> {
    let mut policy = Policy::default();
    let package_manifest = dir.join("Cargo.toml");
    probed.push(package_manifest.clone());
    let package = read_manifest(&package_manifest)?;
    // The workspace's table first: a package can tighten it further.
    let workspace_root = match &package {
        Some(p) if p.contains_key("workspace") => Some((package_manifest.clone(), p.clone())),
        _ => find_workspace(dir, probed)?,
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

fn find_workspace(dir: &Path, probed: &mut Vec<PathBuf>) -> Result<Option<(PathBuf, toml::Table)>, String> {
    for ancestor in dir.ancestors().skip(1) {
        let path = ancestor.join("Cargo.toml");
        probed.push(path.clone());
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
        let p = load(&member, &mut Vec::new()).unwrap();
        assert_eq!((p.max_items, p.max_string_len), (50, 300));
        assert!(p.is_credential("otp"));
        std::fs::write(
            member.join("Cargo.toml"),
            "[package]\nname = \"m\"\n[package.metadata.apishield]\nmax_items = 60\n",
        )
        .unwrap();
        assert!(
            load(&member, &mut Vec::new()).unwrap_err().contains("loosens"),
            "a package cannot undo its workspace's ceiling"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    /// A long-lived process (rust-analyzer's proc-macro server) sees a
    /// changed manifest: the cache is keyed by the manifests' size and
    /// modification time, not only by the package's directory.
    #[test]
    fn the_cache_reads_a_changed_manifest_again() {
        let dir = std::env::temp_dir().join(format!("apishield-policy-cache-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let manifest = dir.join("Cargo.toml");
        std::fs::write(&manifest, "[package]\nname = \"m\"\n[workspace]\n").unwrap();
        let first = current_for(&dir);
        assert_eq!(first.policy.as_ref().unwrap().max_items, 100);
        assert!(first.tracking().to_string().contains("include_bytes"), "the manifest is tracked");
        std::fs::write(
            &manifest,
            "[package]\nname = \"m\"\n[workspace]\n[package.metadata.apishield]\nmax_items = 7\n",
        )
        .unwrap();
        assert_eq!(current_for(&dir).policy.unwrap().max_items, 7, "the tightened policy is read");
        std::fs::write(
            &manifest,
            "[package]\nname = \"m\"\n[workspace]\n[package.metadata.apishield]\nmax_items = 700\n",
        )
        .unwrap();
        assert!(current_for(&dir).policy.unwrap_err().contains("loosens"), "so is a loosened one");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
