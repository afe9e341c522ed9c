//! The crate-wide policy in `[package.metadata.apishield]`, end to end: real
//! crates with their own `Cargo.toml`, compiled by cargo, and the errors the
//! macro gives for them. (trybuild generates its own manifests, so these
//! cases cannot be trybuild cases.)

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
