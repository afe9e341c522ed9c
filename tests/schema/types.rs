//! Request and response types covering every rule JSON Schema can express.

use std::collections::BTreeMap;

use apishield::prelude::*;

#[secure_request]
#[derive(Debug)]
pub struct Address {
    #[shield(len = 1..=8)]
    pub street: String,
    #[shield(len = ..=5, pattern = "[0-9]{5}")]
    pub zip: String,
}

#[secure_request]
#[derive(Debug, Clone, Copy, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Topic {
    News,
    Sports,
}

#[secure_request]
#[derive(Debug)]
#[serde(rename_all = "camelCase")]
pub struct Signup {
    #[shield(len = 2..=6)]
    pub display_name: String,
    #[shield(email)]
    pub email: String,
    #[shield(range = 13..=120)]
    pub age: u8,
    #[shield(range = -5..=5)]
    pub offset: i32,
    #[shield(one_of = ["user", "viewer"])]
    pub role: String,
    #[shield(one_of = ["light", "dark"], fallback = "light")]
    pub theme: String,
    #[shield(len = ..=6, pattern = "[a-z]{2}-[0-9]{1,3}")]
    pub code: String,
    #[shield(max_items = 3, each(len = 1..=3))]
    pub tags: Vec<String>,
    #[shield(len = ..=4)]
    pub nickname: Option<String>,
    #[shield(range = 0.0..1.0)]
    pub ratio: f64,
    pub newsletter: bool,
    pub initial: char,
    #[shield(range = 1..=50, default = 10)]
    pub page_limit: u32,
    pub address: Address,
    pub billing: Option<Address>,
    pub topic: Topic,
    #[shield(max_items = 2, keys(len = 1..=3), each(range = 0..=9))]
    pub scores: BTreeMap<String, u8>,
    #[shield(len = 8..=16)]
    pub password: apishield::Secret<String>,
}

#[secure_request]
#[derive(Debug)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum Payment {
    Card(Card),
    BankTransfer {
        #[shield(len = 4..=6)]
        iban: String,
    },
    Invoice,
}

#[secure_request]
#[derive(Debug)]
pub struct Card {
    #[shield(len = 4..=6, pattern = "[0-9]+")]
    pub number: String,
    #[shield(range = 1..=12)]
    pub month: u8,
}

#[secure_request]
#[derive(Debug)]
#[serde(tag = "op", content = "args", rename_all = "lowercase")]
pub enum Patch {
    Clear,
    Set {
        #[shield(len = 1..=3)]
        key: String,
        #[shield(range = 0..=100)]
        value: u32,
    },
    Pay(Payment),
}

#[secure_request]
#[derive(Debug)]
pub struct Checkout {
    pub payment: Payment,
    #[shield(max_items = 2)]
    pub patches: Vec<Patch>,
}

#[secure_response]
pub struct OrderView {
    pub id: u64,
    pub status: OrderStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub lines: Vec<String>,
    // Kept on the server: never read here, never sent.
    #[allow(dead_code)]
    #[shield(skip)]
    pub internal_cost: u64,
}

#[secure_response]
#[derive(Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Open,
    Shipped,
}
