//! Arbitrary file heads into the upload sniffer: never a panic, and a
//! detected kind always starts with its own signature.
#![no_main]

use apishield::{FileKind, UploadPolicy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let policy = FileKind::ALL.into_iter().fold(UploadPolicy::new(1 << 20), UploadPolicy::allow);
    if let Ok(kind) = policy.check(data) {
        assert_eq!(FileKind::sniff(data), Some(kind));
        assert!(data.len() >= 3);
    }
});
