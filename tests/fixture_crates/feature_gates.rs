//! Macros that need an optional feature of apishield say so: a crate built
//! with the default features only (`tests/fixtures/default_features`) gets
//! an error that names the feature, on the attribute, with the line to add
//! to `Cargo.toml`, and nothing about apishield's internals. (The fixture is
//! a crate of its own: the workspace's tests enable every feature.)

use apishield_tests::cargo_fixture::check;

#[test]
fn idempotent_without_the_axum_feature_names_the_feature() {
    let (ok, stderr) = check("default_features", "human");
    assert!(!ok, "the fixture must not compile:\n{stderr}");
    let expected = "\
error: `#[idempotent]` needs the `axum` feature of apishield: the handler it makes is an axum handler
       help: enable it where apishield is a dependency: `apishield = { version = \"0.1\", features = [\"axum\"] }`
  --> src/lib.rs:11:1
   |
11 | #[idempotent(ttl = \"24h\")]
   | ^^^^^^^^^^^^^^^^^^^^^^^^^^";
    assert!(stderr.contains(expected), "expected\n{expected}\nin:\n{stderr}");
    let expected = "\
error: an `#[owned_by]` handler that returns `impl Trait` needs the `axum` feature of apishield: it answers axum's `Response`
       help: enable it where apishield is a dependency: `apishield = { version = \"0.1\", features = [\"axum\"] }`, or name the return type
  --> src/lib.rs:19:1
   |
19 | #[owned_by(user_id)]
   | ^^^^^^^^^^^^^^^^^^^^";
    assert!(stderr.contains(expected), "expected\n{expected}\nin:\n{stderr}");
    // The only errors: none from the generated code (`__private::axum`,
    // `validator`), none on the `#[secure_request]` type.
    assert!(stderr.contains("could not compile `default-features` (lib) due to 2 previous errors"), "{stderr}");
    assert!(!stderr.contains("__private"), "{stderr}");
}
