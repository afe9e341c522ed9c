//! The `token_endpoint` example over loopback HTTP.
