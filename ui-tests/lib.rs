//! Nothing here: the cases live in `secure_request/{pass,fail}/*.rs` and run from `ui.rs`.
