//! Inputs built to fool a parser: duplicate keys, out-of-range numbers, NUL
//! bytes, deep nesting, floods of unknown fields, tag games.

use apishield::prelude::*;
use apishield::{ErrorCode, RequestError, SecureRequest};
use apishield_tests::fixtures::{CreateUser, Folder, Login, Measurement};

fn codes(e: &RequestError) -> Vec<(String, &'static str)> {
    e.errors().iter().map(|e| (e.path().to_string(), e.code().as_str())).collect()
}

#[test]
fn duplicate_keys_are_rejected_in_either_order() {
    // serde_json alone keeps the last value and many other parsers the first:
    // a proxy that checks one and a handler that reads the other disagree.
    for json in [
        r#"{"name":"a","email":"a@b.c","age":20,"tags":[],"role":"viewer","role":"admin"}"#,
        r#"{"name":"a","email":"a@b.c","age":20,"tags":[],"age":200}"#,
    ] {
        let e = CreateUser::from_json(json.as_bytes()).unwrap_err();
        assert!(e.errors().iter().all(|e| e.code() == ErrorCode::DuplicateField), "{e}");
    }
}

#[test]
fn nul_bytes_are_rejected_wherever_text_goes() {
    let e = Login::from_json(br#"{"username":"ad\u0000min","password":"correct horse battery"}"#).unwrap_err();
    assert_eq!(codes(&e), [("username".to_owned(), "nul_byte")]);
    let e = Login::from_json(br#"{"username":"admin","password":"correct horse battery\u0000"}"#).unwrap_err();
    assert_eq!(codes(&e), [("password".to_owned(), "nul_byte")]);
    let e = Measurement::from_query("sensor=a%00&value=1&seq=1").unwrap_err();
    assert_eq!(codes(&e), [("sensor".to_owned(), "nul_byte")]);
    // A raw NUL byte is not JSON at all (strings forbid raw control
    // characters), which is why `from_json` need not scan borrowed strings.
    let e = Login::from_json(b"{\"username\":\"ad\0min\",\"password\":\"correct horse battery\"}").unwrap_err();
    assert_eq!(codes(&e), [(String::new(), "malformed")]);
    // The generic serde entry point, which may run on any format, scans every string.
    let e =
        serde_json::from_str::<Login>(r#"{"username":"ad\u0000min","password":"correct horse battery"}"#).unwrap_err();
    assert!(e.to_string().contains("username: nul_byte"), "{e}");
}

#[test]
fn out_of_range_numbers_never_wrap() {
    for (seq, code) in [("-1", "out_of_range"), ("4294967296", "out_of_range"), ("1e20", "out_of_range")] {
        let e = Measurement::from_json(format!(r#"{{"sensor":"a","value":1,"seq":{seq}}}"#).as_bytes()).unwrap_err();
        assert_eq!(codes(&e), [("seq".to_owned(), code)], "{seq}");
    }
}

#[test]
fn deeply_nested_unknown_content_is_skipped_without_recursion() {
    // An unknown field's value is skipped by the JSON parser's iterative
    // skipper: 100 000 levels cost no stack, and the field is still reported.
    let depth = 100_000;
    let json = format!(r#"{{"name":"a","children":[],"x":{}{}}}"#, "[".repeat(depth), "]".repeat(depth));
    let e = Folder::from_json(json.as_bytes()).unwrap_err();
    assert_eq!(codes(&e), [("x".to_owned(), "unknown_field")]);
}

#[test]
fn deeply_nested_values_of_known_fields_hit_the_parser_limit() {
    // Buffered content (a tagged enum's fields before its tag) is read
    // recursively, under serde_json's recursion limit.
    let depth = 10_000;
    let json = format!(r#"{{"pad":{}{},"type":"Delete"}}"#, "[".repeat(depth), "]".repeat(depth));
    let e = Command::from_json(json.as_bytes()).unwrap_err();
    assert!(e.has_code(ErrorCode::TooDeep), "{e}");
}

#[test]
fn deeply_nested_requests_hit_the_depth_limit_without_overflowing_the_stack() {
    let mut json = String::from(r#"{"name":"x","children":[]}"#);
    for _ in 0..10_000 {
        json = format!(r#"{{"name":"x","children":[{json}]}}"#);
    }
    let e = Folder::from_json(json.as_bytes()).unwrap_err();
    assert!(e.has_code(ErrorCode::TooDeep), "{e}");
}

#[test]
fn a_flood_of_unknown_fields_costs_a_bounded_error_report() {
    let fields: Vec<String> = (0..10_000).map(|i| format!(r#""f{i}":{i}"#)).collect();
    let json = format!("{{{}}}", fields.join(","));
    let e = Folder::from_json(json.as_bytes()).unwrap_err();
    assert_eq!(e.errors().len(), apishield::request::MAX_ERRORS + 1);
    assert_eq!(e.errors().last().unwrap().code(), ErrorCode::TooManyErrors);
    assert!(e.errors().last().unwrap().message().starts_with("9938 more errors"), "{e}");
}

#[test]
fn unknown_keys_are_named_only_when_they_look_like_field_names() {
    let json = br#"{"name":"x","children":[],"nmae":1,"<script>alert(1)</script>":2,"":3}"#;
    let e = Folder::from_json(json).unwrap_err();
    assert_eq!(
        codes(&e),
        [("nmae".to_owned(), "unknown_field"), (String::new(), "unknown_field"), (String::new(), "unknown_field")]
    );
}

#[secure_request]
#[derive(Debug)]
#[serde(tag = "type")]
enum Command {
    Rename {
        #[shield(len = 1..=10)]
        name: String,
    },
    Delete,
}

#[test]
fn a_tag_after_other_fields_is_read_within_a_bounded_buffer() {
    let ok = Command::from_json(br#"{"name":"new","type":"Rename"}"#).unwrap();
    assert!(matches!(ok, Command::Rename { ref name } if name == "new"));
    // A client cannot make the buffer grow past a fixed number of values.
    let junk: Vec<String> = (0..5_000).map(|i| i.to_string()).collect();
    let json = format!(r#"{{"pad":[{}],"type":"Delete"}}"#, junk.join(","));
    let e = Command::from_json(json.as_bytes()).unwrap_err();
    assert!(e.has_code(ErrorCode::TooManyItems), "{e}");
    // Fields of another variant are unknown to the chosen one.
    let e = Command::from_json(br#"{"type":"Delete","name":"x"}"#).unwrap_err();
    assert_eq!(codes(&e), [("name".to_owned(), "unknown_field")]);
    let e = Command::from_json(br#"{"type":"Drop"}"#).unwrap_err();
    assert_eq!(codes(&e), [("type".to_owned(), "unknown_variant")]);
    assert_eq!(e.errors()[0].message(), "must be one of: Rename, Delete");
}

#[test]
fn a_bounded_type_that_fails_stops_the_parse_at_its_field() {
    let e = Login::from_json(br#"{"username":"ada","password":"correct horse battery","device":"not-a-uuid"}"#)
        .unwrap_err();
    assert_eq!(codes(&e), [("device".to_owned(), "invalid_value")]);
}
