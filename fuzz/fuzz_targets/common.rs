// Each target uses some of these types.
#![allow(dead_code)]

// Request types shared by the fuzz targets: every kind of field and rule.

use std::collections::BTreeMap;

use apishield::prelude::*;

#[secure_request]
#[derive(Debug)]
pub struct Address {
    #[shield(len = 1..=200, trim)]
    pub street: String,
    #[shield(len = 3..=10, pattern = "[0-9A-Za-z -]+")]
    pub zip: String,
}

#[secure_request]
#[derive(Debug)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Contact {
    Email {
        #[shield(email)]
        address: String,
    },
    Phone {
        #[shield(len = 5..=20, pattern = "\\+?[0-9 ]+")]
        number: String,
    },
    None,
}

#[secure_request]
#[derive(Debug)]
pub struct CreateUser {
    #[shield(len = 1..=100, trim)]
    pub name: String,
    #[shield(email, len = ..=254)]
    pub email: String,
    #[shield(range = 13..=150)]
    pub age: u8,
    #[shield(one_of = ["user", "viewer"], fallback = "user")]
    pub role: String,
    #[shield(max_items = 20, each(len = 1..=32))]
    pub tags: Vec<String>,
    pub address: Option<Address>,
    pub contact: Option<Contact>,
    #[shield(max_items = 5, keys(len = 1..=16), each(range = -1.0..=1.0))]
    pub weights: Option<BTreeMap<String, f64>>,
}

#[secure_request(query)]
#[derive(Debug)]
#[serde(rename_all = "camelCase")]
pub struct ListOrders {
    #[shield(len = ..=100, trim)]
    pub q: Option<String>,
    #[shield(range = 1..=100, default)]
    pub page_size: u32,
    #[shield(max_items = 5, each(len = 1..=20))]
    pub tag: Option<Vec<String>>,
    #[shield(range = 0.0..=1_000_000.0)]
    pub min_total: Option<f64>,
    pub archived: Option<bool>,
}
