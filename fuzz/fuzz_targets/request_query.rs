//! Arbitrary text into the query-string entry point: never a panic, and an
//! accepted value always passes its own re-validation.
#![no_main]

use apishield::SecureRequest;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    if let Ok(query) = std::str::from_utf8(data)
        && let Ok(list) = common::ListOrders::from_query(query)
    {
        assert!(list.validate_request().is_ok(), "accepted but invalid: {list:?}");
        assert!(list.page_size >= 1 && list.page_size <= 100);
    }
    if let Ok(list) = common::ListOrders::from_form(data) {
        assert!(list.validate_request().is_ok(), "accepted but invalid: {list:?}");
    }
});
