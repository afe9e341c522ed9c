//! The crate-wide policy in `[package.metadata.apishield]`, end to end: real
//! crates with their own `Cargo.toml`, compiled by cargo, and the errors the
//! macro gives for them. (trybuild generates its own manifests, so these
//! cases cannot be trybuild cases.)

use apishield_tests::cargo_fixture::{check_dir, workspace};

/// `cargo check` of a policy fixture crate; returns its stderr.
fn check(fixture: &str) -> (bool, String) {
    apishield_tests::cargo_fixture::check(fixture, "short")
}

#[test]
fn a_crate_tightens_ceilings_and_extends_name_lists() {
    let (ok, stderr) = check("strict_policy");
    assert!(!ok, "the fixture must not compile:\n{stderr}");
    for expected in [
        "a length of 1000 is above the crate's ceiling of 500 characters",
        "`max_items = 20` is above the crate's ceiling of 10 items",
        "`org_id` is a privileged field",
        "the page size `limit` allows 80 items per page; the most is 50",
        "`otp` looks like a credential, and credentials must not travel in URLs",
    ] {
        assert!(stderr.contains(expected), "missing {expected:?} in:\n{stderr}");
    }
    // `allow_large` still loosens one field, visibly: no error for `Essay`.
    assert_eq!(stderr.matches(": error: ").count(), 5, "{stderr}");
}

#[test]
fn a_crate_cannot_loosen_the_policy() {
    let (ok, stderr) = check("loosened_policy");
    assert!(!ok, "the fixture must not compile:\n{stderr}");
    assert!(stderr.contains("`max_string_len = 20000`"), "{stderr}");
    assert!(stderr.contains("loosens the policy (the limit is 10000)"), "{stderr}");
}

/// Tightening the policy in `Cargo.toml` fails the next build, although no
/// source file changed: the generated code includes the manifest, so cargo
/// rebuilds the crate when it changes.
#[test]
fn a_tightened_policy_fails_the_next_build_without_a_source_change() {
    let root = workspace();
    let target = root.join("target/policy-fixtures");
    // A copy, so the test can edit its manifest; its own `[workspace]` keeps
    // it out of this workspace.
    let dir = target.join(format!("policy-change-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).expect("create the copy");
    let fixture = root.join("tests/fixtures/policy_change");
    std::fs::copy(fixture.join("src/lib.rs"), dir.join("src/lib.rs")).expect("copy lib.rs");
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).expect("copy Cargo.lock");
    let runtime = root.join("runtime");
    let manifest = std::fs::read_to_string(fixture.join("Cargo.toml"))
        .expect("read the fixture's manifest")
        .replace("../../../runtime", &runtime.to_string_lossy().replace('\\', "/"));
    std::fs::write(dir.join("Cargo.toml"), &manifest).expect("write the manifest");

    let (ok, stderr) = check_dir(&dir, &target, "short");
    assert!(ok, "the default policy accepts `len = 1..=1000`:\n{stderr}");

    // Only the manifest changes; a second later, so its modification time is newer.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    std::fs::write(dir.join("Cargo.toml"), format!("{manifest}\n[package.metadata.apishield]\nmax_string_len = 500\n"))
        .expect("tighten the policy");
    let (ok, stderr) = check_dir(&dir, &target, "short");
    assert!(!ok, "the tightened policy must fail the next build:\n{stderr}");
    assert!(stderr.contains("a length of 1000 is above the crate's ceiling of 500 characters"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
