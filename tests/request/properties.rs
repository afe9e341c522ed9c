//! Property tests: for random inputs, a `#[secure_request]` type accepts
//! exactly what its rules allow, stores exactly the normalized value, and
//! never panics.

use std::collections::BTreeMap;

use apishield::prelude::*;
use apishield_tests::fixtures::{CreateUser, ListOrders, Measurement};
use proptest::prelude::*;

#[secure_request]
#[derive(Debug, PartialEq)]
struct Text {
    #[shield(len = 3..=10, trim)]
    value: String,
}

#[secure_request]
#[derive(Debug, PartialEq)]
struct Exact {
    #[shield(len = 2..=6)]
    value: String,
}

#[secure_request]
#[derive(Debug, PartialEq)]
struct Small {
    #[shield(range = -50..=50)]
    value: i8,
}

#[secure_request]
#[derive(Debug, PartialEq)]
struct Ratio {
    #[shield(range = 0.0..1.0)]
    value: f64,
}

/// An `f32` with an exclusive upper bound: `0.99999999` is below 1.0 as
/// an f64 but 1.0 as an f32.
#[secure_request]
#[derive(Debug, PartialEq)]
struct Ratio32 {
    #[shield(range = 0.0..1.0)]
    value: f32,
}

/// Bounds that are not exact in binary: `0.1` as an f32 is slightly above
/// 0.1 as an f64.
#[secure_request]
#[derive(Debug, PartialEq)]
struct Tenths32 {
    #[shield(range = 0.1..=0.9)]
    value: f32,
}

#[secure_request]
#[derive(Debug, PartialEq)]
struct Tags {
    #[shield(max_items = 5, each(len = 1..=4))]
    value: Vec<String>,
}

#[secure_request]
#[derive(Debug, PartialEq)]
struct Role {
    #[shield(one_of = ["user", "viewer"], fallback = "user")]
    role: String,
    #[shield(one_of = ["read", "write"])]
    scope: String,
}

#[secure_request]
#[derive(Debug, PartialEq)]
struct Contact {
    #[shield(email)]
    value: String,
}

#[secure_request]
#[derive(Debug, PartialEq)]
struct Counts {
    #[shield(max_items = 3, keys(len = 1..=3), each(range = 0..=9))]
    value: BTreeMap<String, u8>,
}

/// Values just below, at and above the bounds, as text (the shortest
/// round-trip form, or with 17 significant digits): what rounding to f32 turns
/// into the bound itself.
fn near(bound: f64) -> impl Strategy<Value = String> {
    (-2_000i64..=2_000, any::<bool>()).prop_map(move |(steps, long)| {
        let v = bound + steps as f64 * 1e-11;
        if long { format!("{v:.17}") } else { format!("{v}") }
    })
}

#[test]
fn an_f32_that_rounds_to_its_exclusive_bound_is_out_of_range() {
    // Below 1.0 as an f64, 1.0 once stored in the f32 field.
    assert_eq!(0.99999999_f64 as f32, 1.0);
    for result in [Ratio32::from_json(br#"{"value":0.99999999}"#), Ratio32::from_query("value=0.99999999")] {
        let e = result.unwrap_err();
        assert_eq!(e.at("value").map(|e| e.code()), Some(apishield::ErrorCode::OutOfRange), "{e}");
    }
    // The largest f32 below 1.0 is in range, from either format.
    let largest = 1.0f32.next_down();
    let text = format!("{largest}");
    assert_eq!(Ratio32::from_json(format!(r#"{{"value":{text}}}"#).as_bytes()).unwrap().value, largest);
    assert_eq!(Ratio32::from_query(&format!("value={text}")).unwrap().value, largest);
}

#[test]
fn an_f32_bound_is_the_f32_the_attribute_names() {
    // 0.1 as an f64 is below 0.1 as an f32; the field holds the f32, which is the bound.
    for result in [Tenths32::from_json(br#"{"value":0.1}"#), Tenths32::from_query("value=0.1")] {
        assert_eq!(result.unwrap().value, 0.1f32);
    }
    let below = format!("{}", 0.1f32.next_down());
    assert!(Tenths32::from_query(&format!("value={below}")).is_err());
}

fn json_of(value: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "value": value })).unwrap()
}

/// The WHATWG e-mail grammar with a dot-atom local part and RFC 5321's
/// sizes, written as a regular expression: the reference for the hand-written check.
fn reference_is_email(s: &str) -> bool {
    let re = regex::Regex::new(
        r"^[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]+)*@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$",
    )
    .unwrap();
    let local_len = s.rfind('@').unwrap_or(0);
    re.is_match(s) && s.len() <= 254 && local_len <= 64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn trimmed_strings_are_accepted_iff_their_length_fits(s in "[ \\t\\na-zé漢🦀\\u{0}]{0,16}") {
        let result = Text::from_json(&json_of(&s));
        let trimmed = s.trim();
        let ok = !s.contains('\0') && (3..=10).contains(&trimmed.chars().count());
        prop_assert_eq!(result.is_ok(), ok, "{:?}: {:?}", s, result);
        if let Ok(t) = result {
            prop_assert_eq!(t.value, trimmed);
        }
    }

    #[test]
    fn untrimmed_strings_keep_their_whitespace(s in "\\PC{0,9}") {
        let result = Exact::from_json(&json_of(&s));
        let ok = !s.contains('\0') && (2..=6).contains(&s.chars().count());
        prop_assert_eq!(result.is_ok(), ok);
        if let Ok(e) = result {
            prop_assert_eq!(e.value, s);
        }
    }

    #[test]
    fn integers_are_accepted_iff_in_range(v in any::<i64>()) {
        let result = Small::from_json(&json_of(&v));
        prop_assert_eq!(result.is_ok(), (-50..=50).contains(&v));
        if let Ok(s) = result {
            prop_assert_eq!(i64::from(s.value), v);
        }
    }

    #[test]
    fn floats_are_accepted_iff_finite_and_in_range(bits in any::<u64>(), special in 0u8..8) {
        let v = match special {
            0 => f64::NAN,
            1 => f64::INFINITY,
            2 => f64::NEG_INFINITY,
            3 => 1.0,
            4 => 0.0,
            _ => f64::from_bits(bits),
        };
        // JSON cannot carry NaN or infinity; a query string can.
        let result = Ratio::from_query(&format!("value={v}"));
        prop_assert_eq!(result.is_ok(), v.is_finite() && (0.0..1.0).contains(&v), "{}: {:?}", v, result);
        if v.is_finite() {
            let from_json = Ratio::from_json(&json_of(&v));
            prop_assert_eq!(from_json.is_ok(), (0.0..1.0).contains(&v));
        }
    }

    /// Whatever the text, an accepted f32 satisfies its own rule (its
    /// `validate_request` passes and the value lies in the range), and a
    /// value is accepted exactly when its f32 rounding is in range.
    #[test]
    fn every_accepted_f32_satisfies_its_own_bound(
        text in prop_oneof![near(1.0), near(0.0), near(0.1), near(0.9), any::<f32>().prop_map(|v| v.to_string()),
                            any::<u64>().prop_map(|b| f64::from_bits(b).to_string())],
    ) {
        let parsed: f64 = text.parse().unwrap();
        let query = Ratio32::from_query(&format!("value={text}"));
        let rounded = parsed as f32;
        prop_assert_eq!(query.is_ok(), rounded.is_finite() && (0.0..1.0).contains(&rounded), "{}: {:?}", text, query);
        let tenths = Tenths32::from_query(&format!("value={text}"));
        prop_assert_eq!(tenths.is_ok(), (0.1f32..=0.9).contains(&rounded), "{}: {:?}", text, tenths);
        if let Ok(t) = &tenths {
            prop_assert!(t.validate_request().is_ok() && (0.1f32..=0.9).contains(&t.value));
        }
        if let Ok(r) = &query {
            prop_assert!(r.validate_request().is_ok() && (0.0f32..1.0).contains(&r.value));
        }
        if parsed.is_finite() {
            // serde_json may round differently from `str::parse`; compare with what it reads.
            let json = format!(r#"{{"value":{text}}}"#);
            let read: f64 = serde_json::from_str(&text).unwrap();
            let from_json = Ratio32::from_json(json.as_bytes());
            prop_assert_eq!(from_json.is_ok(), (0.0f32..1.0).contains(&(read as f32)), "{}: {:?}", text, from_json);
            if let Ok(r) = from_json {
                prop_assert!(r.validate_request().is_ok() && (0.0f32..1.0).contains(&r.value));
            }
        }
    }

    #[test]
    fn lists_are_accepted_iff_short_enough_and_every_item_valid(items in prop::collection::vec("[a-z]{0,6}", 0..9)) {
        let result = Tags::from_json(&json_of(&items));
        let ok = items.len() <= 5 && items.iter().all(|i| (1..=4).contains(&i.len()));
        prop_assert_eq!(result.is_ok(), ok);
        if let Err(e) = result {
            // Every bad item is reported, each at its own index (unless the list is too long).
            if items.len() <= 5 {
                let bad: Vec<String> = items.iter().enumerate()
                    .filter(|(_, i)| !(1..=4).contains(&i.len()))
                    .map(|(n, _)| format!("value[{n}]"))
                    .collect();
                let paths: Vec<String> = e.errors().iter().map(|e| e.path().to_string()).collect();
                prop_assert_eq!(paths, bad);
            }
        }
    }

    #[test]
    fn one_of_falls_back_or_rejects(role in "[a-z]{0,7}", scope in "[a-z]{0,6}") {
        let json = serde_json::to_vec(&serde_json::json!({"role": role, "scope": scope})).unwrap();
        let result = Role::from_json(&json);
        let scope_ok = scope == "read" || scope == "write";
        prop_assert_eq!(result.is_ok(), scope_ok);
        if let Ok(r) = result {
            let expected = if role == "user" || role == "viewer" { role.as_str() } else { "user" };
            prop_assert_eq!(r.role, expected);
        }
    }

    #[test]
    fn email_agrees_with_the_reference_grammar(s in "[a-zA-Z0-9.@+_-]{0,12}|[a-z]{1,70}@[a-z]{1,70}\\.[a-z]{2,3}") {
        let result = Contact::from_json(&json_of(&s));
        prop_assert_eq!(result.is_ok(), reference_is_email(&s), "{:?}", s);
    }

    #[test]
    fn maps_check_keys_values_and_size(entries in prop::collection::btree_map("[a-z]{0,4}", 0u8..12, 0..5)) {
        let result = Counts::from_json(&json_of(&entries));
        let ok = entries.len() <= 3 && entries.iter().all(|(k, v)| (1..=3).contains(&k.len()) && *v <= 9);
        prop_assert_eq!(result.is_ok(), ok);
    }

    #[test]
    fn json_and_query_agree(sensor in "[a-z]{0,22}", value in -1500.0f64..1500.0, seq in any::<u32>()) {
        // Same field order in both, so the errors come in the same order too.
        let json = format!(r#"{{"sensor":"{sensor}","value":{value},"seq":{seq}}}"#);
        let query = format!("sensor={sensor}&value={value}&seq={seq}");
        match (Measurement::from_json(json.as_bytes()), Measurement::from_query(&query)) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!((&a.sensor, a.seq), (&b.sensor, b.seq));
                // serde_json's default float parser may be one ulp off the
                // correctly rounded value that `str::parse` gives.
                prop_assert!((a.value - b.value).abs() <= f64::EPSILON * a.value.abs().max(1.0));
            }
            (a, b) => prop_assert_eq!(a, b),
        }
    }

    #[test]
    fn valid_documents_round_trip(
        name in "[A-Za-z][A-Za-z ]{0,40}[A-Za-z]",
        age in 13u8..=150,
        tags in prop::collection::vec("[a-z0-9-]{1,32}", 0..=20),
    ) {
        let json = serde_json::json!({"name": name, "email": "a@example.com", "age": age, "role": "viewer", "tags": tags});
        let user = CreateUser::from_json(json.to_string().as_bytes()).unwrap();
        prop_assert_eq!(&user.name, &name);
        prop_assert_eq!(user.age, age);
        prop_assert_eq!(&user.tags, &tags);
        prop_assert!(user.validate_request().is_ok());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let _ = CreateUser::from_json(&bytes);
        let _ = ListOrders::from_form(&bytes);
        let _ = Measurement::from_json(&bytes);
    }

    #[test]
    fn arbitrary_json_shaped_input_never_panics(s in r#"[{}\[\]:,"a-z0-9 .\\-]{0,64}"#) {
        let _ = CreateUser::from_json(s.as_bytes());
        let _ = ListOrders::from_query(&s);
    }
}
