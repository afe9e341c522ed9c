//! Contender (d): serde derive + a hand-written function that checks each
//! rule (lengths in chars, a simple e-mail check) and, like apishield,
//! collects every failing field instead of stopping at the first.

use serde::Deserialize;

use crate::inputs::ROLES;

/// The request; [`check`] holds its rules.
#[derive(Debug, Deserialize)]
pub struct CreateUser {
    pub name: String,
    pub email: String,
    pub age: u8,
    pub role: String,
    pub tags: Vec<String>,
    pub address: Option<Address>,
}

/// The nested address; [`check`] holds its rules.
#[derive(Debug, Deserialize)]
pub struct Address {
    pub street: String,
    pub city: String,
    pub zip: String,
    pub country: String,
}

/// Why [`parse`] failed.
#[derive(Debug)]
pub enum Error {
    Json(serde_json::Error),
    /// The paths of the fields that broke a rule.
    Invalid(Vec<&'static str>),
}

fn len_within(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.chars().count())
}

/// `local@domain`: one `@`, a non-empty local part of at most 64 bytes
/// without spaces, a domain of dot-separated non-empty labels of letters,
/// digits and `-`.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && !local.contains(|c: char| c.is_whitespace() || c == '@')
        && !domain.is_empty()
        && domain.split('.').all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// Checks every rule, trimming `name` first; returns the failing fields.
pub fn check(user: &mut CreateUser) -> Result<(), Vec<&'static str>> {
    let mut failed = Vec::new();
    let trimmed = user.name.trim();
    if trimmed.len() != user.name.len() {
        user.name = trimmed.to_owned();
    }
    if !len_within(&user.name, 1, 100) {
        failed.push("name");
    }
    if user.email.len() > 254 || !is_email(&user.email) {
        failed.push("email");
    }
    if !(13..=150).contains(&user.age) {
        failed.push("age");
    }
    if !ROLES.contains(&user.role.as_str()) {
        failed.push("role");
    }
    if user.tags.len() > 20 || !user.tags.iter().all(|t| len_within(t, 1, 32)) {
        failed.push("tags");
    }
    if let Some(a) = &user.address {
        if !len_within(&a.street, 1, 200) {
            failed.push("address.street");
        }
        if !len_within(&a.city, 1, 100) {
            failed.push("address.city");
        }
        if !len_within(&a.zip, 3, 10) {
            failed.push("address.zip");
        }
        if !len_within(&a.country, 2, 2) {
            failed.push("address.country");
        }
    }
    if failed.is_empty() { Ok(()) } else { Err(failed) }
}

/// Parses, then checks.
pub fn parse(json: &[u8]) -> Result<CreateUser, Error> {
    let mut user: CreateUser = serde_json::from_slice(json).map_err(Error::Json)?;
    check(&mut user).map_err(Error::Invalid)?;
    Ok(user)
}
