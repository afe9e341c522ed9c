//! `#[secure_request]` types read from JSON: what is accepted, how it is
//! normalized, and exactly which errors (path, code) a client gets.

use apishield::{ErrorCode, RequestError, SecureRequest};
use apishield_tests::fixtures::{Address, CreateOrder, CreateUser, Folder, Item, ListOrders, Measurement};

/// `(path, code)` of every error, in order.
fn codes(e: &RequestError) -> Vec<(String, &'static str)> {
    e.errors().iter().map(|e| (e.path().to_string(), e.code().as_str())).collect()
}

fn expect_codes(e: &RequestError, expected: &[(&str, &str)]) {
    let got = codes(e);
    let expected: Vec<(String, &str)> = expected.iter().map(|(p, c)| ((*p).to_owned(), *c)).collect();
    assert_eq!(got, expected, "full error: {e}");
}

#[test]
fn a_valid_document_parses_and_is_normalized() {
    let user = CreateUser::from_json(apishield_tests::fixtures::create_user_json().as_bytes()).unwrap();
    assert_eq!(user.name, "Ada Lovelace", "trimmed");
    assert_eq!(user.role, "viewer");
    assert_eq!(user.tags.len(), 20);
    assert_eq!(
        user.address,
        Some(Address {
            street: "12 St James's Square".into(),
            city: "London".into(),
            zip: "SW1Y 4JH".into(),
            country: "GB".into()
        })
    );
    user.validate_request().unwrap();
}

#[test]
fn a_disallowed_role_falls_back_and_an_absent_one_too() {
    let admin = br#"{"name":"Eve","email":"eve@example.com","age":30,"role":"admin","tags":[]}"#;
    assert_eq!(CreateUser::from_json(admin).unwrap().role, "user");
    let absent = br#"{"name":"Eve","email":"eve@example.com","age":30,"tags":[]}"#;
    assert_eq!(CreateUser::from_json(absent).unwrap().role, "user");
    // The fallback applies while parsing; a value set later must be allowed itself.
    let mut user = CreateUser::from_json(absent).unwrap();
    user.role = "admin".into();
    expect_codes(&user.validate_request().unwrap_err(), &[("role", "not_allowed")]);
}

#[test]
fn every_error_of_every_field_is_reported_in_input_order() {
    let json = br#"{
        "name": "   ",
        "email": "not-an-email",
        "age": 200,
        "tags": ["ok", "", "this-tag-is-far-too-long-for-the-limit-of-32"],
        "address": {"street": "x", "city": "", "zip": "1", "country": "gb", "planet": "earth"},
        "is_admin": true
    }"#;
    let e = CreateUser::from_json(json).unwrap_err();
    expect_codes(
        &e,
        &[
            ("name", "too_short"),
            ("email", "invalid_email"),
            ("age", "out_of_range"),
            ("tags[1]", "too_short"),
            ("tags[2]", "too_long"),
            ("address.city", "too_short"),
            ("address.zip", "too_short"),
            ("address.country", "pattern_mismatch"),
            ("address.planet", "unknown_field"),
            ("is_admin", "unknown_field"),
        ],
    );
    assert_eq!(e.at("age").unwrap().message(), "must be between 13 and 150");
    assert_eq!(e.at("tags[2]").unwrap().message(), "must be at most 32 characters");
}

#[test]
fn missing_required_fields_are_each_reported() {
    let e = CreateUser::from_json(b"{}").unwrap_err();
    expect_codes(
        &e,
        &[("name", "missing_field"), ("email", "missing_field"), ("age", "missing_field"), ("tags", "missing_field")],
    );
}

#[test]
fn paths_use_the_names_on_the_wire() {
    let json = br#"{
        "lineItems": [{"name": "tea", "quantity": 1}, {"name": "", "quantity": 100}],
        "courier_note": null,
        "giftWrap": "yes",
        "discount": 0.75,
        "attributes": {"color": "this value is longer than sixty-four characters, which the rule forbids"}
    }"#;
    let e = CreateOrder::from_json(json).unwrap_err();
    expect_codes(
        &e,
        &[
            ("lineItems[1].name", "too_short"),
            ("lineItems[1].quantity", "out_of_range"),
            ("giftWrap", "invalid_type"),
            ("discount", "out_of_range"),
            ("attributes.color", "too_long"),
        ],
    );
    // The Rust names are not accepted on the wire.
    let rust_names = br#"{"line_items": [], "note_for_courier": null, "gift_wrap": true, "attributes": {}}"#;
    expect_codes(
        &CreateOrder::from_json(rust_names).unwrap_err(),
        &[
            ("line_items", "unknown_field"),
            ("note_for_courier", "unknown_field"),
            ("gift_wrap", "unknown_field"),
            ("lineItems", "missing_field"),
            ("giftWrap", "missing_field"),
        ],
    );
}

#[test]
fn wrong_json_types_are_reported_per_field() {
    let json = br#"{"name": 5, "email": null, "age": "36", "role": ["user"], "tags": "a", "address": []}"#;
    expect_codes(
        &CreateUser::from_json(json).unwrap_err(),
        &[
            ("name", "invalid_type"),
            ("email", "invalid_type"),
            ("age", "invalid_type"),
            ("role", "invalid_type"),
            ("tags", "invalid_type"),
            ("address", "invalid_type"),
        ],
    );
    // `null` is a value only for `Option` fields.
    let null_address = br#"{"name":"a","email":"a@b.c","age":20,"tags":[],"address":null}"#;
    assert_eq!(CreateUser::from_json(null_address).unwrap().address, None);
}

#[test]
fn integers_are_exact_and_floats_finite() {
    let m = |seq: &str, value: &str| format!(r#"{{"sensor":"s","value":{value},"seq":{seq}}}"#);
    assert!(Measurement::from_json(m("4000000000", "-1000").as_bytes()).is_ok());
    for (seq, code) in [
        ("4000000001", "out_of_range"),
        ("-1", "out_of_range"),
        ("18446744073709551616", "out_of_range"),
        ("1e3", "invalid_type"),
        ("2.5", "invalid_type"),
    ] {
        let e = Measurement::from_json(m(seq, "0").as_bytes()).unwrap_err();
        expect_codes(&e, &[("seq", code)]);
    }
    expect_codes(&Measurement::from_json(m("1", "1000.5").as_bytes()).unwrap_err(), &[("value", "out_of_range")]);
    // JSON has no NaN; a number too large for f64 is a syntax error of JSON itself.
    let e = Measurement::from_json(m("1", "1e400").as_bytes()).unwrap_err();
    assert_eq!(e.errors()[0].code(), ErrorCode::Malformed);
}

#[test]
fn lengths_count_unicode_scalar_values_after_trimming() {
    let item = |name: &str| format!(r#"{{"name":{},"quantity":1}}"#, serde_json::to_string(name).unwrap());
    // 50 characters of 2, 3 and 4 bytes each fit `len = 1..=50`; 51 do not.
    for c in ['é', '漢', '🦀'] {
        let fifty: String = std::iter::repeat_n(c, 50).collect();
        assert!(Item::from_json(item(&fifty).as_bytes()).is_ok(), "{c}");
        let fifty_one: String = std::iter::repeat_n(c, 51).collect();
        expect_codes(&Item::from_json(item(&fifty_one).as_bytes()).unwrap_err(), &[("name", "too_long")]);
    }
    // Combining marks count as their own scalar values: e + U+0301 is two.
    let combining: String = "e\u{301}".repeat(25);
    assert!(Item::from_json(item(&combining).as_bytes()).is_ok());
    // Trimming happens before counting.
    let padded = format!("   {}   ", "x".repeat(100));
    let user = format!(r#"{{"name":"{padded}","email":"a@b.c","age":20,"tags":[]}}"#);
    assert_eq!(CreateUser::from_json(user.as_bytes()).unwrap().name.len(), 100);
}

#[test]
fn collections_are_bounded() {
    let tags: Vec<String> = (0..21).map(|i| format!("\"t{i}\"")).collect();
    let json = format!(r#"{{"name":"a","email":"a@b.c","age":20,"tags":[{}]}}"#, tags.join(","));
    expect_codes(&CreateUser::from_json(json.as_bytes()).unwrap_err(), &[("tags", "too_many_items")]);

    let attrs: Vec<String> = (0..6).map(|i| format!("\"k{i}\":\"v\"")).collect();
    let order = format!(r#"{{"lineItems":[],"giftWrap":false,"attributes":{{{}}}}}"#, attrs.join(","));
    expect_codes(&CreateOrder::from_json(order.as_bytes()).unwrap_err(), &[("attributes", "too_many_items")]);

    let bad_key = br#"{"lineItems":[],"giftWrap":false,"attributes":{"":"v","seventeen-chars-xx":"v"}}"#;
    expect_codes(
        &CreateOrder::from_json(bad_key).unwrap_err(),
        &[("attributes", "too_short"), ("attributes", "too_long")],
    );

    let duplicate_key = br#"{"lineItems":[],"giftWrap":false,"attributes":{"a":"1","a":"2"}}"#;
    expect_codes(&CreateOrder::from_json(duplicate_key).unwrap_err(), &[("attributes", "duplicate_field")]);
}

#[test]
fn the_serde_impl_validates_too() {
    // Code that knows nothing of apishield (axum's `Json`, a queue consumer)
    // gets the same guarantee: no invalid value is ever constructed.
    let e = serde_json::from_str::<CreateUser>(r#"{"name":"","email":"x","age":1,"tags":[]}"#).unwrap_err();
    let text = e.to_string();
    assert!(text.contains("name: too_short"), "{text}");
    assert!(text.contains("email: invalid_email"), "{text}");
    assert!(text.contains("age: out_of_range"), "{text}");
    let value = serde_json::json!({"name": "Ada", "email": "ada@example.com", "age": 36, "tags": ["x"]});
    let user: CreateUser = serde_json::from_value(value).unwrap();
    assert_eq!(user.role, "user");
}

#[test]
fn malformed_json_is_one_error_with_a_position() {
    for (input, code) in [
        (&b"{\"name\": \"a\",}"[..], "malformed"),
        (b"{\"name\": \"a\"", "malformed"),
        (b"", "malformed"),
        (b"{} {}", "malformed"),
        (b"[1, 2]", "invalid_type"),
        (b"\"just a string\"", "invalid_type"),
        (b"{\"name\": \"\xff\"}", "malformed"),
        (b"{\"name\": \"\\ud800\"}", "malformed"),
    ] {
        let e = CreateUser::from_json(input).unwrap_err();
        assert_eq!(e.errors().last().unwrap().code().as_str(), code, "{input:?}: {e}");
    }
    let e = CreateUser::from_json(b"{\n  \"name\": \"a\",,\n}").unwrap_err();
    assert_eq!(e.errors()[0].message(), "malformed JSON at line 2 column 15");
}

#[test]
fn validate_request_rechecks_a_value_changed_after_parsing() {
    let mut user = CreateUser::from_json(apishield_tests::fixtures::create_user_json().as_bytes()).unwrap();
    user.age = 9;
    user.tags.push(String::new());
    if let Some(a) = user.address.as_mut() {
        a.country = "Great Britain".into();
    }
    expect_codes(
        &user.validate_request().unwrap_err(),
        &[("age", "out_of_range"), ("tags[20]", "too_many_items"), ("address.country", "too_long")]
            .map(|(p, c)| if p == "tags[20]" { ("tags", c) } else { (p, c) }),
    );
}

#[test]
fn recursion_is_bounded_by_the_depth_limit() {
    let mut json = String::from(r#"{"name":"leaf","children":[]}"#);
    for _ in 0..40 {
        json = format!(r#"{{"name":"n","children":[{json}]}}"#);
    }
    let e = Folder::from_json(json.as_bytes()).unwrap_err();
    assert!(e.has_code(ErrorCode::TooDeep), "{e}");
    let mut ok = String::from(r#"{"name":"leaf","children":[]}"#);
    for _ in 0..20 {
        ok = format!(r#"{{"name":"n","children":[{ok}]}}"#);
    }
    assert!(Folder::from_json(ok.as_bytes()).is_ok());
}

#[test]
fn errors_serialize_as_a_stable_json_shape() {
    let e = Item::from_json(br#"{"name":"","quantity":0}"#).unwrap_err();
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        serde_json::json!({"errors": [
            {"field": "name", "code": "too_short", "message": "must be at least 1 character"},
            {"field": "quantity", "code": "out_of_range", "message": "must be between 1 and 99"},
        ]})
    );
}

#[test]
fn a_form_body_is_read_with_the_same_rules() {
    let m = Measurement::from_form(b"sensor=t1&value=-3.5&seq=7").unwrap();
    assert_eq!((m.sensor.as_str(), m.value, m.seq), ("t1", -3.5, 7));
    expect_codes(&Measurement::from_form(b"sensor=t1&value=NaN&seq=7").unwrap_err(), &[("value", "not_finite")]);
    // Query types have defaults for absent page sizes.
    assert_eq!(ListOrders::from_query("").unwrap().page_size, 20);
}
