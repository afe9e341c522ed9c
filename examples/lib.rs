//! The library part of the examples: the [`orders_api`] service, which the
//! `orders_api` example runs and the tests and benchmarks start in-process.
//! The other examples are `[[example]]` targets of this package
//! (`cargo run --example validate_requests`).

pub mod orders_api;
