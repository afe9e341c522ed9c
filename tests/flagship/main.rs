//! The flagship example, `orders_api` (`examples/orders_api/`), tested as a
//! user runs it: over real HTTP on loopback, once with memory stores and
//! once as two instances sharing Redis; in a real browser; with an instance
//! killed mid-run. Its audit is a test too.

mod audit;
mod browser;
mod e2e;
mod metrics;
mod openapi;
mod process;
mod restart;
mod support;
mod surface;
