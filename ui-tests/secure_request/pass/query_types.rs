use std::borrow::Cow;

use apishield::prelude::*;

#[secure_request]
#[derive(Debug, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum Sort {
    Newest,
    Oldest,
}

#[secure_request(query)]
#[derive(Debug)]
#[serde(rename_all = "camelCase")]
pub struct ListOrders<'a> {
    #[shield(len = ..=50)]
    pub q: Option<Cow<'a, str>>,
    #[shield(range = 1..=100, default)]
    pub page_size: u32,
    #[shield(range = 0..=10_000, default)]
    pub page: u32,
    #[shield(max_items = 5, each(len = 1..=10))]
    pub tag: Option<Vec<String>>,
    pub sort: Option<Sort>,
    pub include_archived: Option<bool>,
}

fn main() {
    let q = ListOrders::from_query("q=shoes&pageSize=50&tag=a&tag=b&sort=oldest&includeArchived=true").unwrap();
    assert_eq!(q.page_size, 50);
    assert_eq!(q.tag.as_deref(), Some(&["a".to_owned(), "b".to_owned()][..]));
    assert_eq!(q.sort, Some(Sort::Oldest));
    let defaults = ListOrders::from_query("").unwrap();
    assert_eq!((defaults.page_size, defaults.page), (20, 0));
}
