//! Contender (e): `#[apishield::secure_request]` with the crate docs'
//! rules, validating while it parses, through
//! [`SecureRequest::from_json`].

use apishield::{RequestError, SecureRequest, secure_request};

/// The request, exactly as in the crate documentation plus the address.
#[secure_request]
#[derive(Debug)]
pub struct CreateUser {
    #[shield(len = 1..=100, trim)]
    pub name: String,
    #[shield(email)]
    pub email: String,
    #[shield(range = 13..=150)]
    pub age: u8,
    #[shield(one_of = ["user", "viewer"], fallback = "user")]
    pub role: String,
    #[shield(max_items = 20, each(len = 1..=32))]
    pub tags: Vec<String>,
    pub address: Option<Address>,
}

/// The nested address.
#[secure_request]
#[derive(Debug)]
pub struct Address {
    #[shield(len = 1..=200)]
    pub street: String,
    #[shield(len = 1..=100)]
    pub city: String,
    #[shield(len = 3..=10)]
    pub zip: String,
    #[shield(len = 2..=2)]
    pub country: String,
}

/// Parses and validates in one pass.
pub fn parse(json: &[u8]) -> Result<CreateUser, RequestError> {
    CreateUser::from_json(json)
}
