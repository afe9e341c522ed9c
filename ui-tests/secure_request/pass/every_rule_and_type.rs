//! Every field rule on every kind of type the macro accepts, checked at run time too.
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::net::IpAddr;

use apishield::prelude::*;

#[secure_request]
#[derive(Debug, PartialEq)]
pub struct Address {
    #[shield(len = 1..=200, trim)]
    pub street: String,
    #[shield(len = 3..=10, pattern = "[0-9A-Z -]+")]
    pub zip: Box<str>,
}

#[secure_request]
#[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum Color {
    Red,
    DarkBlue,
}

#[secure_request]
#[derive(Debug)]
pub struct Everything<'a> {
    #[shield(len = 1..=100, trim)]
    pub name: String,
    #[shield(email)]
    pub email: String,
    #[shield(len = ..=20)]
    pub nick: Cow<'a, str>,
    #[shield(one_of = ["user", "viewer"], fallback = "user")]
    pub role: String,
    #[shield(range = 0..=255)]
    pub a: u8,
    #[shield(range = 1..=10)]
    pub b: u16,
    #[shield(range = 1..=10)]
    pub c: u32,
    #[shield(range = 1..=10)]
    pub d: u64,
    #[shield(range = 1..=10)]
    pub e: u128,
    #[shield(range = 1..=10)]
    pub f: usize,
    #[shield(range = -10..=10)]
    pub g: i8,
    #[shield(range = -10..=10)]
    pub h: i16,
    #[shield(range = -10..10)]
    pub i: i32,
    #[shield(range = -10..=10, one_of = [-1, 0, 1])]
    pub j: i64,
    #[shield(range = -10..=10)]
    pub k: i128,
    #[shield(range = -10..=10)]
    pub l: isize,
    #[shield(range = 0.0..1.0)]
    pub ratio: f32,
    #[shield(range = -90.0..=90.0)]
    pub lat: f64,
    pub flag: bool,
    pub initial: char,
    pub color: Color,
    pub ip: IpAddr,
    pub id: uuid::Uuid,
    #[shield(len = ..=10)]
    pub maybe: Option<String>,
    #[shield(max_items = 20, each(len = 1..=32))]
    pub tags: Vec<String>,
    #[shield(max_items = 3, each(range = 1..=9))]
    pub queue: VecDeque<u8>,
    #[shield(max_items = 3, each(len = ..=5))]
    pub set: HashSet<String>,
    #[shield(max_items = 3)]
    pub colors: BTreeSet<Color>,
    #[shield(max_items = 3, keys(len = 1..=8), each(range = 0..=9))]
    pub counts: HashMap<String, u8>,
    #[shield(max_items = 3, keys(range = 1..=5), each(len = ..=3))]
    pub by_id: BTreeMap<u16, String>,
    #[shield(max_items = 2)]
    pub by_color: BTreeMap<Color, Address>,
    #[shield(max_items = 2, each(max_items = 2, each(range = 0..=1)))]
    pub grid: Vec<Vec<u8>>,
    pub address: Address,
    pub billing: Option<Address>,
    pub boxed: Box<Address>,
    #[shield(max_items = 5)]
    pub more: Vec<Address>,
    #[shield(max_items = 5, each(len = ..=5))]
    pub optional_list: Option<Vec<Option<String>>>,
}

fn main() {
    let json = br#"{
        "name": "  Ada  ", "email": "ada@example.com", "nick": "ada", "role": "admin",
        "a": 255, "b": 1, "c": 2, "d": 3, "e": 4, "f": 5, "g": -10, "h": 10, "i": 9, "j": -1, "k": 0, "l": 1,
        "ratio": 0.5, "lat": -45.5, "flag": true, "initial": "A", "color": "dark_blue",
        "ip": "192.0.2.1", "id": "67e55044-10b1-426f-9247-bb680e5fe0c8",
        "maybe": null, "tags": ["a", "b"], "queue": [1, 2], "set": ["x"], "colors": ["red"],
        "counts": {"a": 1}, "by_id": {"3": "x"}, "by_color": {"red": {"street": "s", "zip": "123"}},
        "grid": [[0, 1]], "address": {"street": " 1 Main St ", "zip": "12345"}, "billing": null,
        "boxed": {"street": "b", "zip": "999"}, "more": [], "optional_list": ["a", null]
    }"#;
    let v = Everything::from_json(json).expect("valid");
    assert_eq!(v.name, "Ada");
    assert_eq!(v.role, "user");
    assert_eq!(v.address.street, "1 Main St");
    assert_eq!(v.color, Color::DarkBlue);
    assert!(matches!(v.nick, Cow::Borrowed("ada")), "borrowed from the input");
    v.validate_request().expect("still valid");
}
