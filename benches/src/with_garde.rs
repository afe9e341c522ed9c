//! Contender (c): serde derive + `garde::Validate` derive; `from_slice`,
//! then `.validate()`.

use serde::Deserialize;

use crate::inputs::ROLES;

/// The request, with garde rules (`length(chars, ...)` counts chars like
/// the others; garde's default counts bytes).
#[derive(Debug, Deserialize, garde::Validate)]
pub struct CreateUser {
    #[garde(length(chars, min = 1, max = 100), custom(not_blank))]
    pub name: String,
    #[garde(email, length(chars, max = 254))]
    pub email: String,
    #[garde(range(min = 13, max = 150))]
    pub age: u8,
    #[garde(custom(role_allowed))]
    pub role: String,
    #[garde(length(max = 20), inner(length(chars, min = 1, max = 32)))]
    pub tags: Vec<String>,
    #[garde(dive)]
    pub address: Option<Address>,
}

/// The nested address, with garde rules.
#[derive(Debug, Deserialize, garde::Validate)]
pub struct Address {
    #[garde(length(chars, min = 1, max = 200))]
    pub street: String,
    #[garde(length(chars, min = 1, max = 100))]
    pub city: String,
    #[garde(length(chars, min = 3, max = 10))]
    pub zip: String,
    #[garde(length(chars, min = 2, max = 2))]
    pub country: String,
}

/// garde has no `trim`: the closest equivalent rejects a name that is only
/// whitespace.
fn not_blank(name: &str, _: &()) -> garde::Result {
    if name.trim().is_empty() { Err(garde::Error::new("blank")) } else { Ok(()) }
}

/// garde has no `one_of` for strings.
fn role_allowed(role: &str, _: &()) -> garde::Result {
    if ROLES.contains(&role) { Ok(()) } else { Err(garde::Error::new("not an allowed role")) }
}

/// Why [`parse`] failed.
#[derive(Debug)]
pub enum Error {
    Json(serde_json::Error),
    Invalid(garde::Report),
}

/// Parses, then validates.
pub fn parse(json: &[u8]) -> Result<CreateUser, Error> {
    let user: CreateUser = serde_json::from_slice(json).map_err(Error::Json)?;
    garde::Validate::validate(&user).map_err(Error::Invalid)?;
    Ok(user)
}
