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
