//! The design document's example types, and friends.

use std::collections::BTreeMap;

use apishield::prelude::*;

/// A postal address, nested in [`CreateUser`].
#[secure_request]
#[derive(Debug, Clone, PartialEq)]
pub struct Address {
    /// Street and number.
    #[shield(len = 1..=200, trim)]
    pub street: String,
    /// City.
    #[shield(len = 1..=100, trim)]
    pub city: String,
    /// Postal code.
    #[shield(len = 3..=10, pattern = "[0-9A-Za-z -]+")]
    pub zip: String,
    /// ISO 3166 alpha-2 country code.
    #[shield(len = 2..=2, pattern = "[A-Z]{2}")]
    pub country: String,
}

/// The design document's `CreateUser`.
#[secure_request]
#[derive(Debug, Clone, PartialEq)]
pub struct CreateUser {
    /// Display name.
    #[shield(len = 1..=100, trim)]
    pub name: String,
    /// E-mail address.
    #[shield(email, len = ..=254)]
    pub email: String,
    /// Age in years.
    #[shield(range = 13..=150)]
    pub age: u8,
    /// Only safe roles; anything else becomes `user`.
    #[shield(one_of = ["user", "viewer"], fallback = "user")]
    pub role: String,
    /// Free-form tags.
    #[shield(max_items = 20, each(len = 1..=32))]
    pub tags: Vec<String>,
    /// Postal address.
    pub address: Option<Address>,
}

/// One line of an order.
#[secure_request]
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Product name.
    #[shield(len = 1..=50)]
    pub name: String,
    /// How many.
    #[shield(range = 1..=99)]
    pub quantity: u16,
}

/// Wire names differ from Rust names: error paths use the wire names.
#[secure_request]
#[derive(Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CreateOrder {
    /// The lines.
    #[shield(max_items = 10)]
    pub line_items: Vec<Item>,
    /// A note for the courier.
    #[serde(rename = "courier_note")]
    #[shield(len = ..=200)]
    pub note_for_courier: Option<String>,
    /// Gift wrapping.
    pub gift_wrap: bool,
    /// Discount, a fraction.
    #[shield(range = 0.0..=0.5)]
    pub discount: Option<f64>,
    /// Extra attributes.
    #[shield(max_items = 5, keys(len = 1..=16), each(len = ..=64))]
    pub attributes: BTreeMap<String, String>,
}

/// A query string type.
#[secure_request(query)]
#[derive(Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ListOrders {
    /// Search text.
    #[shield(len = ..=100, trim)]
    pub q: Option<String>,
    /// Items per page.
    #[shield(range = 1..=100, default)]
    pub page_size: u32,
    /// Page number.
    #[shield(range = 0..=10_000, default)]
    pub page: u32,
    /// Filter by tag (repeat the key).
    #[shield(max_items = 5, each(len = 1..=20))]
    pub tag: Option<Vec<String>>,
    /// Minimum total.
    #[shield(range = 0.0..=1_000_000.0)]
    pub min_total: Option<f64>,
    /// Include archived orders.
    pub archived: Option<bool>,
}

/// A body that the same fields travel in as JSON or as a form.
#[secure_request]
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Sensor name.
    #[shield(len = 1..=20)]
    pub sensor: String,
    /// Reading.
    #[shield(range = -1000.0..=1000.0)]
    pub value: f64,
    /// Sequence number.
    #[shield(range = 0..=4_000_000_000)]
    pub seq: u32,
}

/// A password field, to prove errors never echo it.
#[secure_request]
#[derive(Debug, Clone)]
pub struct Login {
    /// Account name.
    #[shield(len = 3..=32, pattern = "[a-z0-9_]+")]
    pub username: String,
    /// The password: redacted in `Debug`, zeroized on drop.
    #[shield(len = 12..=128)]
    pub password: apishield::Secret<String>,
    /// One-time code.
    #[shield(range = 0..=999_999)]
    pub otp: Option<u32>,
    /// Device id.
    pub device: Option<uuid::Uuid>,
}

/// A recursive type, to exercise the depth limit.
#[secure_request]
#[derive(Debug, Clone, PartialEq)]
pub struct Folder {
    /// Name.
    #[shield(len = 1..=20)]
    pub name: String,
    /// Sub-folders.
    #[shield(max_items = 3)]
    pub children: Vec<Folder>,
}

/// A valid `CreateUser` document with 20 tags and an address.
pub fn create_user_json() -> String {
    let tags: Vec<String> = (0..20).map(|i| format!("\"tag-{i}\"")).collect();
    format!(
        r#"{{"name":"  Ada Lovelace ","email":"ada@example.com","age":36,"role":"viewer","tags":[{}],"address":{{"street":"12 St James's Square","city":"London","zip":"SW1Y 4JH","country":"GB"}}}}"#,
        tags.join(",")
    )
}
