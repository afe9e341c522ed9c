//! Contender (b): serde derive + `validator::Validate` derive;
//! `from_slice`, then `.validate()`.

use serde::Deserialize;
use validator::{Validate, ValidationError, ValidationErrors};

use crate::inputs::ROLES;

/// The request, with validator rules (`length` counts chars).
#[derive(Debug, Deserialize, Validate)]
pub struct CreateUser {
    #[validate(length(min = 1, max = 100), custom(function = "not_blank"))]
    pub name: String,
    #[validate(email, length(max = 254))]
    pub email: String,
    #[validate(range(min = 13, max = 150))]
    pub age: u8,
    #[validate(custom(function = "role_allowed"))]
    pub role: String,
    #[validate(length(max = 20), custom(function = "tags_each_len"))]
    pub tags: Vec<String>,
    #[validate(nested)]
    pub address: Option<Address>,
}

/// The nested address, with validator rules.
#[derive(Debug, Deserialize, Validate)]
pub struct Address {
    #[validate(length(min = 1, max = 200))]
    pub street: String,
    #[validate(length(min = 1, max = 100))]
    pub city: String,
    #[validate(length(min = 3, max = 10))]
    pub zip: String,
    #[validate(length(min = 2, max = 2))]
    pub country: String,
}

/// validator has no `trim`: the closest equivalent rejects a name that is
/// only whitespace.
fn not_blank(name: &str) -> Result<(), ValidationError> {
    if name.trim().is_empty() { Err(ValidationError::new("blank")) } else { Ok(()) }
}

/// validator has no `one_of` for strings.
fn role_allowed(role: &str) -> Result<(), ValidationError> {
    if ROLES.contains(&role) { Ok(()) } else { Err(ValidationError::new("one_of")) }
}

/// validator has no per-item rules for a `Vec<String>`.
fn tags_each_len(tags: &[String]) -> Result<(), ValidationError> {
    if tags.iter().all(|t| (1..=32).contains(&t.chars().count())) {
        Ok(())
    } else {
        Err(ValidationError::new("item_length"))
    }
}

/// Why [`parse`] failed.
#[derive(Debug)]
pub enum Error {
    Json(serde_json::Error),
    Invalid(ValidationErrors),
}

/// Parses, then validates.
pub fn parse(json: &[u8]) -> Result<CreateUser, Error> {
    let user: CreateUser = serde_json::from_slice(json).map_err(Error::Json)?;
    user.validate().map_err(Error::Invalid)?;
    Ok(user)
}
