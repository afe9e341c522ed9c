//! Query strings: the same rules as JSON, with text parsed into numbers and
//! booleans, repeated keys for lists, and a length limit before parsing.

use apishield::{ErrorCode, RequestError, SecureRequest};
use apishield_tests::fixtures::{ListOrders, Measurement};

fn codes(e: &RequestError) -> Vec<(String, &'static str)> {
    e.errors().iter().map(|e| (e.path().to_string(), e.code().as_str())).collect()
}

#[test]
fn a_full_query_string_parses() {
    let q =
        ListOrders::from_query("q=+red+shoes+&pageSize=50&page=3&tag=a&tag=b%20c&minTotal=9.5&archived=false").unwrap();
    assert_eq!(
        q,
        ListOrders {
            q: Some("red shoes".into()),
            page_size: 50,
            page: 3,
            tag: Some(vec!["a".into(), "b c".into()]),
            min_total: Some(9.5),
            archived: Some(false),
        }
    );
}

#[test]
fn absent_parameters_take_their_defaults() {
    let q = ListOrders::from_query("").unwrap();
    assert_eq!((q.page_size, q.page, q.q, q.tag), (20, 0, None, None));
}

#[test]
fn nan_and_infinity_are_rejected_although_the_parser_accepts_them() {
    for v in ["NaN", "nan", "inf", "-inf", "infinity", "-Infinity", "1e400"] {
        let e = Measurement::from_query(&format!("sensor=a&value={v}&seq=1")).unwrap_err();
        assert_eq!(codes(&e), [("value".to_owned(), "not_finite")], "{v}");
    }
    let e = ListOrders::from_query("minTotal=NaN").unwrap_err();
    assert_eq!(codes(&e), [("minTotal".to_owned(), "not_finite")]);
}

#[test]
fn text_that_is_not_a_number_or_boolean_is_an_invalid_type() {
    let e = ListOrders::from_query("pageSize=ten&page=-1&archived=yes&minTotal=").unwrap_err();
    assert_eq!(
        codes(&e),
        [
            ("pageSize".to_owned(), "invalid_type"),
            ("page".to_owned(), "out_of_range"),
            ("archived".to_owned(), "invalid_type"),
            ("minTotal".to_owned(), "invalid_type"),
        ]
    );
    let e = ListOrders::from_query("pageSize=101&page=99999999999999999999999").unwrap_err();
    assert_eq!(codes(&e), [("pageSize".to_owned(), "out_of_range"), ("page".to_owned(), "out_of_range")]);
}

#[test]
fn repeated_keys_fill_lists_up_to_their_limit() {
    let five = "tag=a&tag=b&tag=c&tag=d&tag=e";
    assert_eq!(ListOrders::from_query(five).unwrap().tag.unwrap().len(), 5);
    let e = ListOrders::from_query(&format!("{five}&tag=f&tag=g")).unwrap_err();
    assert_eq!(codes(&e), [("tag".to_owned(), "too_many_items")]);
    let e = ListOrders::from_query("tag=ok&tag=&tag=x").unwrap_err();
    assert_eq!(codes(&e), [("tag[1]".to_owned(), "too_short")]);
}

#[test]
fn a_repeated_scalar_is_a_duplicate_not_a_silent_override() {
    // `pageSize=10&pageSize=1000`: which one wins differs between parsers and proxies.
    let e = ListOrders::from_query("pageSize=10&pageSize=1000").unwrap_err();
    assert_eq!(codes(&e), [("pageSize".to_owned(), "duplicate_field")]);
}

#[test]
fn unknown_parameters_are_rejected() {
    let e = ListOrders::from_query("q=a&api_key=sk_live_123&sort=desc").unwrap_err();
    assert_eq!(codes(&e), [("api_key".to_owned(), "unknown_field"), ("sort".to_owned(), "unknown_field")]);
}

#[test]
fn percent_encoded_nul_is_rejected() {
    let e = ListOrders::from_query("q=abc%00def").unwrap_err();
    assert_eq!(codes(&e), [("q".to_owned(), "nul_byte")]);
}

#[test]
fn the_query_length_limit_applies_before_parsing() {
    let at_limit = format!("q={}", "a".repeat(98)) + &"&page=1".repeat(57) + "&x";
    assert!(at_limit.len() > 500);
    let e = ListOrders::from_query(&at_limit).unwrap_err();
    assert_eq!(e.errors().len(), 1);
    assert_eq!(e.errors()[0].code(), ErrorCode::QueryTooLong);
    assert_eq!(e.errors()[0].message(), "the query string must be at most 500 bytes");
    let fits = format!("q={}", "a".repeat(98));
    assert!(ListOrders::from_query(&fits).is_ok());
    assert_eq!(ListOrders::POLICY.max_query_len(), 500);
}

#[test]
fn json_and_query_agree_on_the_same_values() {
    let cases =
        [("t1", "2.5", "7", true), ("t1", "-1000", "0", true), ("", "1", "1", false), ("t1", "1001", "1", false)];
    for (sensor, value, seq, ok) in cases {
        let json = format!(r#"{{"sensor":"{sensor}","value":{value},"seq":{seq}}}"#);
        let query = format!("sensor={sensor}&value={value}&seq={seq}");
        let from_json = Measurement::from_json(json.as_bytes());
        let from_query = Measurement::from_query(&query);
        assert_eq!(from_json.is_ok(), ok, "{json}");
        assert_eq!(from_json, from_query, "{query}");
    }
}

#[test]
fn the_serde_impl_of_a_query_type_parses_text() {
    // `serde_urlencoded::from_str` is what axum's `Query` and most frameworks
    // call: a query type is validated there too, numbers parsed from text.
    let q: ListOrders = serde_urlencoded::from_str("pageSize=7&archived=true&tag=x").unwrap();
    assert_eq!((q.page_size, q.archived, q.tag), (7, Some(true), Some(vec!["x".to_owned()])));
    let e = serde_urlencoded::from_str::<ListOrders>("pageSize=0").unwrap_err();
    assert!(e.to_string().contains("pageSize: out_of_range"), "{e}");
}
