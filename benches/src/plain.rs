//! Contender (a): `#[derive(serde::Deserialize)]` + `serde_json::from_slice`,
//! no validation at all. The floor every validating contender is measured
//! against; it accepts the invalid document too.

use serde::Deserialize;

/// The request, unchecked.
#[derive(Debug, Deserialize)]
pub struct CreateUser {
    pub name: String,
    pub email: String,
    pub age: u8,
    pub role: String,
    pub tags: Vec<String>,
    pub address: Option<Address>,
}

/// The nested address, unchecked.
#[derive(Debug, Deserialize)]
pub struct Address {
    pub street: String,
    pub city: String,
    pub zip: String,
    pub country: String,
}

/// Parses without validating.
pub fn parse(json: &[u8]) -> Result<CreateUser, serde_json::Error> {
    serde_json::from_slice(json)
}
