//! Enums in requests: unit-only enums as bounded values, and internally or
//! adjacently tagged enums whose variants validate like structs.

use apishield::prelude::*;
use apishield::{ErrorCode, RequestError};

fn codes(e: &RequestError) -> Vec<(String, &'static str)> {
    e.errors().iter().map(|e| (e.path().to_string(), e.code().as_str())).collect()
}

#[secure_request]
#[derive(Debug, Clone, Copy, PartialEq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum Priority {
    Low,
    #[serde(alias = "NORMAL")]
    Medium,
    High,
}

#[secure_request]
#[derive(Debug, PartialEq)]
struct Ticket {
    #[shield(len = 1..=80)]
    title: String,
    priority: Priority,
    #[shield(max_items = 3)]
    also: Vec<Priority>,
}

#[secure_request]
#[derive(Debug, PartialEq)]
struct Card {
    #[shield(len = 12..=19, pattern = "[0-9]+")]
    number: String,
    #[shield(range = 1..=12)]
    month: u8,
}

#[secure_request]
#[derive(Debug, PartialEq)]
#[serde(tag = "method", rename_all = "snake_case")]
enum Payment {
    Card(Card),
    BankTransfer {
        #[shield(len = 15..=34)]
        iban: String,
    },
    Invoice,
}

#[secure_request]
#[derive(Debug, PartialEq)]
#[serde(tag = "op", content = "args", rename_all = "lowercase")]
enum Patch {
    Clear,
    Set {
        #[shield(len = 1..=20)]
        key: String,
        #[shield(range = 0..=100)]
        value: u32,
    },
    Pay(Payment),
}

#[secure_request]
#[derive(Debug, PartialEq)]
struct Checkout {
    payment: Payment,
    #[shield(max_items = 4)]
    patches: Vec<Patch>,
}

#[test]
fn unit_enums_are_bounded_values() {
    let t = Ticket::from_json(br#"{"title":"x","priority":"HIGH","also":["LOW","NORMAL"]}"#).unwrap();
    assert_eq!((t.priority, t.also), (Priority::High, vec![Priority::Low, Priority::Medium]));
    let e = Ticket::from_json(br#"{"title":"x","priority":"Urgent","also":["high", 1]}"#).unwrap_err();
    assert_eq!(
        codes(&e),
        [
            ("priority".to_owned(), "unknown_variant"),
            ("also[0]".to_owned(), "unknown_variant"),
            ("also[1]".to_owned(), "invalid_type")
        ]
    );
    assert_eq!(e.errors()[0].message(), "must be one of: LOW, MEDIUM, HIGH");
}

#[test]
fn internally_tagged_variants_validate_their_fields() {
    let p = Payment::from_json(br#"{"method":"card","number":"4242424242424242","month":12}"#).unwrap();
    assert_eq!(p, Payment::Card(Card { number: "4242424242424242".into(), month: 12 }));
    assert_eq!(Payment::from_json(br#"{"method":"invoice"}"#).unwrap(), Payment::Invoice);
    let e = Payment::from_json(br#"{"method":"card","number":"4242x","month":13,"cvv":"123"}"#).unwrap_err();
    assert_eq!(
        codes(&e),
        [("number".to_owned(), "too_short"), ("month".to_owned(), "out_of_range"), ("cvv".to_owned(), "unknown_field")]
    );
    let e = Payment::from_json(br#"{"iban":"short"}"#).unwrap_err();
    assert_eq!(codes(&e), [("method".to_owned(), "missing_tag")]);
    let e = Payment::from_json(br#"{"method":7}"#).unwrap_err();
    assert_eq!(codes(&e), [("method".to_owned(), "invalid_type")]);
}

#[test]
fn the_tag_may_come_anywhere_in_the_object() {
    let late = Payment::from_json(br#"{"iban":"DE89370400440532013000","method":"bank_transfer"}"#).unwrap();
    assert_eq!(late, Payment::BankTransfer { iban: "DE89370400440532013000".into() });
    let e = Payment::from_json(br#"{"iban":"DE89","method":"bank_transfer"}"#).unwrap_err();
    assert_eq!(codes(&e), [("iban".to_owned(), "too_short")]);
}

#[test]
fn adjacently_tagged_variants_read_their_content() {
    assert_eq!(Patch::from_json(br#"{"op":"clear"}"#).unwrap(), Patch::Clear);
    assert_eq!(Patch::from_json(br#"{"op":"clear","args":null}"#).unwrap(), Patch::Clear);
    assert_eq!(
        Patch::from_json(br#"{"args":{"key":"k","value":3},"op":"set"}"#).unwrap(),
        Patch::Set { key: "k".into(), value: 3 }
    );
    assert_eq!(Patch::from_json(br#"{"op":"pay","args":{"method":"invoice"}}"#).unwrap(), Patch::Pay(Payment::Invoice));
    let e = Patch::from_json(br#"{"op":"set","args":{"key":"","value":101}}"#).unwrap_err();
    assert_eq!(codes(&e), [("args.key".to_owned(), "too_short"), ("args.value".to_owned(), "out_of_range")]);
    let e = Patch::from_json(br#"{"op":"set"}"#).unwrap_err();
    assert_eq!(codes(&e), [("args".to_owned(), "missing_field")]);
    let e = Patch::from_json(br#"{"op":"clear","args":{"x":1}}"#).unwrap_err();
    assert_eq!(codes(&e), [("args".to_owned(), "invalid_type")]);
    let e = Patch::from_json(br#"{"op":"set","args":{},"extra":1,"op":"clear"}"#).unwrap_err();
    assert!(e.has_code(ErrorCode::DuplicateField) && e.has_code(ErrorCode::UnknownField), "{e}");
}

#[test]
fn nested_enums_report_full_paths() {
    let json = br#"{
        "payment": {"method": "card", "number": "1", "month": 1},
        "patches": [{"op": "clear"}, {"op": "set", "args": {"key": "k", "value": 500}}, {"op": "nope"}]
    }"#;
    let e = Checkout::from_json(json).unwrap_err();
    assert_eq!(
        codes(&e),
        [
            ("payment.number".to_owned(), "too_short"),
            ("patches[1].args.value".to_owned(), "out_of_range"),
            ("patches[2].op".to_owned(), "unknown_variant"),
        ]
    );
}

#[test]
fn enums_are_checked_again_by_validate_request() {
    let mut p = Payment::from_json(br#"{"method":"bank_transfer","iban":"DE89370400440532013000"}"#).unwrap();
    if let Payment::BankTransfer { iban } = &mut p {
        iban.truncate(4);
    }
    assert_eq!(codes(&p.validate_request().unwrap_err()), [("iban".to_owned(), "too_short")]);
    let patch = Patch::Set { key: String::new(), value: 1 };
    assert_eq!(codes(&patch.validate_request().unwrap_err()), [("args.key".to_owned(), "too_short")]);
}
