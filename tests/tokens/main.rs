//! The token lifecycle: refresh-token rotation and reuse detection (memory
//! and Redis stores, one suite), revocation by family and by `jti`, token
//! cookies and CSRF over HTTP, the RFC 7009 endpoint and the
//! `token_endpoint` example over HTTP.

mod support;

mod cookies_http;
mod denylist;
mod example;
mod lifecycle;
mod revocation_http;
