//! Arbitrary bytes into the JSON entry point: never a panic, an accepted
//! value always passes its own re-validation, and the plain serde entry point
//! (`serde_json::from_slice`, as axum's `Json` calls it) agrees.
#![no_main]

use apishield::SecureRequest;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let structured = common::CreateUser::from_json(data);
    if let Ok(user) = &structured {
        assert!(user.validate_request().is_ok(), "accepted but invalid: {user:?}");
    }
    let via_serde = serde_json::from_slice::<common::CreateUser>(data);
    assert_eq!(via_serde.is_ok(), structured.is_ok());
});
