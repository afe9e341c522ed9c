//! Every compile error of the macros, and every accepted form, as trybuild cases.
//!
//! Each `fail/*.rs` has a reviewed `.stderr` next to it: the exact message, span
//! and `help:` a user sees. Regenerate after an intended change with
//! `TRYBUILD=overwrite cargo test -p apishield-ui-tests`, then read every diff.

#[test]
fn secure_request() {
    let t = trybuild::TestCases::new();
    t.pass("secure_request/pass/*.rs");
    t.compile_fail("secure_request/fail/*.rs");
}

#[test]
fn secure_response() {
    let t = trybuild::TestCases::new();
    t.pass("secure_response/pass/*.rs");
    t.compile_fail("secure_response/fail/*.rs");
}

#[test]
fn owned_by() {
    let t = trybuild::TestCases::new();
    t.pass("owned_by/pass/*.rs");
    t.compile_fail("owned_by/fail/*.rs");
}

#[test]
fn idempotent() {
    let t = trybuild::TestCases::new();
    t.pass("idempotent/pass/*.rs");
    t.compile_fail("idempotent/fail/*.rs");
}

/// Handler modules that import apishield through its prelude only.
#[test]
fn prelude() {
    let t = trybuild::TestCases::new();
    t.pass("prelude/pass/*.rs");
}

#[test]
fn webhook() {
    let t = trybuild::TestCases::new();
    t.compile_fail("webhook/fail/*.rs");
}

#[test]
fn jwt() {
    let t = trybuild::TestCases::new();
    t.pass("jwt/pass/*.rs");
    t.compile_fail("jwt/fail/*.rs");
}

/// Token cookies: no insecure attribute can be written.
#[test]
fn token() {
    let t = trybuild::TestCases::new();
    t.pass("token/pass/*.rs");
    t.compile_fail("token/fail/*.rs");
}

#[test]
fn cors() {
    let t = trybuild::TestCases::new();
    t.pass("cors/pass/*.rs");
    t.compile_fail("cors/fail/*.rs");
}

#[test]
fn routes() {
    let t = trybuild::TestCases::new();
    t.pass("routes/pass/*.rs");
    t.compile_fail("routes/fail/*.rs");
}
