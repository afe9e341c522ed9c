//! An oversized string is rejected without being copied: the check runs on
//! the slice of the input that the JSON parser hands over, before any
//! allocation of ours. Measured with dhat's heap statistics.

use apishield::SecureRequest;
use apishield_tests::fixtures::Login;

#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

#[test]
fn a_huge_string_for_a_small_field_is_rejected_without_copying_it() {
    let huge = "a".repeat(8 * 1024 * 1024);
    let json = format!(r#"{{"username":"{huge}","password":"correct horse battery"}}"#);
    let _profiler = dhat::Profiler::builder().testing().build();
    let before = dhat::HeapStats::get();
    let e = Login::from_json(json.as_bytes()).unwrap_err();
    let after = dhat::HeapStats::get();
    assert_eq!(e.errors()[0].code().as_str(), "too_long");
    let allocated = after.total_bytes - before.total_bytes;
    assert!(allocated < 4 * 1024, "parsing allocated {allocated} bytes for an 8 MiB rejected string");
}
