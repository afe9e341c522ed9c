//! Fixture crates (`tests/fixtures/*`) compiled by cargo as a user's crate
//! is: their own `Cargo.toml` (policy tables, features), which trybuild
//! cannot give a case.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace's root directory.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the tests crate is in the workspace").to_owned()
}

/// `cargo check` of a fixture crate with the given `--message-format`;
/// whether it compiled, and its stderr.
pub fn check(fixture: &str, message_format: &str) -> (bool, String) {
    let root = workspace();
    let dir = root.join("tests/fixtures").join(fixture);
    // Same dependency versions as the workspace, no network.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
    let result = check_dir(&dir, &root.join("target/policy-fixtures"), message_format);
    let _ = std::fs::remove_file(dir.join("Cargo.lock"));
    result
}

/// `cargo check` of the crate at `dir` into `target`, offline; whether it
/// compiled, and its stderr.
pub fn check_dir(dir: &Path, target: &Path, message_format: &str) -> (bool, String) {
    let output = Command::new(env!("CARGO"))
        .args(["check", "--offline", "--quiet", "--message-format", message_format])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .output()
        .expect("run cargo");
    (output.status.success(), String::from_utf8_lossy(&output.stderr).into_owned())
}
