use std::borrow::Cow;

use apishield::prelude::*;

#[secure_request]
#[derive(Debug)]
pub struct Item {
    #[shield(len = 1..=10)]
    pub sku: String,
}

/// A page of anything that validates itself, borrowing its cursor.
#[secure_request]
#[derive(Debug)]
pub struct Page<'a, T>
where
    T: std::fmt::Debug,
{
    #[shield(len = ..=64)]
    pub cursor: Cow<'a, str>,
    #[shield(max_items = 10)]
    pub items: Vec<T>,
    pub first: Option<T>,
}

/// A concrete nested type that borrows from the input, in a field and in a list.
#[secure_request]
#[derive(Debug)]
pub struct Outer<'a, 'b: 'a> {
    pub inner: Page<'a, Item>,
    #[shield(max_items = 3)]
    pub more: Vec<Page<'b, Item>>,
}

/// Generic code names the public reading traits.
fn parse<'a, T>(json: &'a [u8]) -> Result<Page<'a, T>, RequestError>
where
    T: std::fmt::Debug + apishield::request::ReadRequest<'a>,
{
    Page::from_json(json)
}

fn main() {
    let page: Page<'_, Item> = parse(br#"{"cursor":"abc","items":[{"sku":"x"}],"first":null}"#).unwrap();
    assert_eq!(page.items[0].sku, "x");
    let err = Page::<Item>::from_json(br#"{"cursor":"abc","items":[{"sku":""}]}"#).unwrap_err();
    assert_eq!(err.errors()[0].path().to_string(), "items[0].sku");
    let outer = Outer::from_json(br#"{"inner":{"cursor":"c","items":[]},"more":[{"cursor":"d","items":[]}]}"#).unwrap();
    assert_eq!((&*outer.inner.cursor, &*outer.more[0].cursor), ("c", "d"));
    let err = Outer::from_json(br#"{"inner":{"cursor":"c","items":[{"sku":""}]},"more":[]}"#).unwrap_err();
    assert_eq!(err.errors()[0].path().to_string(), "inner.items[0].sku");
    assert!(outer.validate_request().is_ok());
}
