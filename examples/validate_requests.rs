//! Parses good and bad requests and prints what a client would get back.
//!
//! ```text
//! cargo run --example validate_requests
//! ```

use apishield::prelude::*;

/// The design document's address.
#[secure_request]
#[derive(Debug)]
pub struct Address {
    #[shield(len = 1..=200, trim)]
    pub street: String,
    #[shield(len = 3..=10, pattern = "[0-9A-Za-z -]+")]
    pub zip: String,
}

/// The design document's `CreateUser`.
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
}

/// A query string: `GET /orders?q=..&pageSize=..&tag=a&tag=b`.
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
}

fn show<T: std::fmt::Debug>(what: &str, result: Result<T, RequestError>) {
    println!("--- {what}");
    match result {
        Ok(value) => println!("accepted: {value:#?}\n"),
        Err(error) => {
            // What the client receives (HTTP 422 with this body).
            let body = serde_json::to_string_pretty(&error).unwrap_or_default();
            println!("rejected:\n{body}\n");
        }
    }
}

fn main() {
    show(
        "a valid user (the name is trimmed; the role \"admin\" falls back to \"user\")",
        CreateUser::from_json(
            br#"{"name": "  Ada Lovelace ", "email": "ada@example.com", "age": 36, "role": "admin",
                "tags": ["math", "engines"], "address": {"street": "12 St James's Square", "zip": "SW1Y 4JH"}}"#,
        ),
    );
    show(
        "every mistake at once, each with its path and code, none with its value",
        CreateUser::from_json(
            br#"{"name": "", "email": "ada-at-example", "age": 7, "tags": ["ok", ""],
                "address": {"street": "x", "zip": "?"}, "is_admin": true, "age": 36}"#,
        ),
    );
    show("a malformed body", CreateUser::from_json(br#"{"name": "Ada", "#));
    show("a valid query string", ListOrders::from_query("q=shoes&pageSize=50&tag=red&tag=sale"));
    show(
        "a query string with NaN, a page size of 1000 and a credential",
        ListOrders::from_query("minTotal=NaN&pageSize=1000&api_key=sk_live_123"),
    );
}
