//! `GET /health`: the one public route, for load balancers and uptime
//! checks. It says nothing about the service's internals.

use apishield::prelude::*;

/// The health answer.
#[secure_response]
#[derive(Debug)]
pub struct Health {
    /// Always `ok` while the process serves.
    pub status: String,
}

/// `GET /health`.
#[public]
pub async fn health() -> SecureJson<Health> {
    SecureJson(Health { status: "ok".to_owned() })
}
