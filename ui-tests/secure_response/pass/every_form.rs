#![deny(warnings)]
//! Every accepted form of #[secure_response], serialized to check the exact output.
use std::collections::BTreeMap;

use apishield::prelude::*;

/// A status, sent as its name.
#[secure_response]
#[derive(Debug, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Active,
    OnHold,
}

pub struct Address {
    pub city: String,
    pub zip: String,
    pub geo_hash: String,
}

pub struct User {
    pub id: u64,
    pub name: String,
    pub email: String,
    pub password_hash: String,
    pub status: Status,
    pub address: Option<Address>,
    pub previous: Vec<Address>,
    pub labels: BTreeMap<String, u32>,
    pub r#type: String,
}

#[secure_response(from = Address)]
pub struct AddressResponse {
    pub city: String,
    pub zip: String,
}

/// Renames, skips, conditional fields, nested responses in Option, Vec and maps.
#[secure_response(from = User)]
#[serde(rename_all = "camelCase")]
pub struct UserResponse {
    pub id: u64,
    #[serde(rename = "displayName")]
    pub name: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub email: String,
    pub status: Status,
    pub address: Option<AddressResponse>,
    pub previous: Vec<AddressResponse>,
    pub labels: BTreeMap<String, u32>,
    pub r#type: String,
    /// Kept on the server side of the type.
    #[shield(skip)]
    pub password_hash: String,
}

/// A token endpoint hands out a token: deliberately.
#[secure_response]
pub struct TokenResponse {
    #[shield(expose)]
    pub access_token: String,
    pub expires_in: u32,
    #[cfg(any())]
    pub debug_only: String,
}

/// Generic responses: any public item type.
#[secure_response]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

fn main() {
    let user = User {
        id: 7,
        name: "Ada".into(),
        email: String::new(),
        password_hash: "$argon2id$v=19$...".into(),
        status: Status::OnHold,
        address: Some(Address { city: "London".into(), zip: "SW1".into(), geo_hash: "gcpv".into() }),
        previous: vec![Address { city: "Paris".into(), zip: "75001".into(), geo_hash: "u09t".into() }],
        labels: BTreeMap::from([("vip".to_owned(), 1)]),
        r#type: "person".into(),
    };
    let body = serde_json::to_string(&UserResponse::from(&user)).unwrap();
    assert_eq!(
        body,
        r#"{"id":7,"displayName":"Ada","status":"on_hold","address":{"city":"London","zip":"SW1"},"previous":[{"city":"Paris","zip":"75001"}],"labels":{"vip":1},"type":"person"}"#
    );
    assert!(!body.contains("argon2"));
    let token = TokenResponse { access_token: "eyJ...".into(), expires_in: 900 };
    assert_eq!(serde_json::to_string(&token).unwrap(), r#"{"access_token":"eyJ...","expires_in":900}"#);
    let page = Page { items: vec![UserResponse::from(&user)], next: None };
    assert!(serde_json::to_string(&page).unwrap().starts_with(r#"{"items":[{"id":7"#));
    assert_eq!(UserResponse::POLICY.fields().len(), 8);
}
