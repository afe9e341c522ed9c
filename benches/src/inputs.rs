//! The JSON documents every contender parses.
//!
//! Both documents have the same keys in the same order; [`INVALID`] only has
//! bad values (an unknown field would not be comparable: serde accepts it
//! unless `deny_unknown_fields`, apishield always rejects it).

/// A valid request: every rule holds, 20 tags, a nested address.
pub const VALID: &str = r#"{
  "name": "Ada Lovelace",
  "email": "ada.lovelace@example.com",
  "age": 36,
  "role": "viewer",
  "tags": [
    "mathematics", "analytical-engine", "poetry", "computing", "babbage",
    "notes", "bernoulli", "algorithms", "london", "victorian",
    "science", "engineering", "logic", "music", "weaving",
    "punched-cards", "translation", "menabrea", "countess", "pioneer"
  ],
  "address": {
    "street": "12 St James's Square",
    "city": "London",
    "zip": "SW1Y 4JH",
    "country": "GB"
  }
}"#;

/// The same shape with several bad values: a 101-character name, an e-mail
/// address without `@`, age 7 (below 13) and one 33-character tag. The role
/// stays valid, because apishield's `fallback` replaces a bad role instead of
/// rejecting it while the other contenders reject it.
pub const INVALID: &str = r#"{
  "name": "Ada Lovelace Augusta King Countess of Lovelace née Byron of Horsley Towers Ockham Surrey England 1815",
  "email": "ada.lovelace.example.com",
  "age": 7,
  "role": "viewer",
  "tags": [
    "mathematics", "analytical-engine", "poetry", "computing", "babbage",
    "notes", "bernoulli", "algorithms", "london", "victorian",
    "science", "engineering", "logic", "music", "weaving",
    "punched-cards", "translation", "menabrea", "countess", "a-tag-that-is-far-too-long-to-pass"
  ],
  "address": {
    "street": "12 St James's Square",
    "city": "London",
    "zip": "SW1Y 4JH",
    "country": "GB"
  }
}"#;

/// Allowed values of `role`.
pub const ROLES: [&str; 2] = ["user", "viewer"];
