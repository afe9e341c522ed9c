//! No error text, error JSON or validator-shaped error contains a rejected
//! value. Error bodies end up in logs, browser consoles and support tickets,
//! and a rejected value can be a password.
//!
//! The first test shows the check has teeth: the validator crate's own
//! derive puts the rejected value into its errors.

use apishield::SecureRequest;
use apishield_tests::fixtures::{CreateOrder, CreateUser, ListOrders, Login};
use proptest::prelude::*;
use validator::Validate as _;

/// Every way to see an error: its text, its JSON, its validator form.
fn renderings<T: std::fmt::Debug>(result: Result<T, apishield::RequestError>) -> [String; 3] {
    let e = result.expect_err("the input is invalid");
    [
        e.to_string(),
        serde_json::to_string(&e).unwrap(),
        serde_json::to_string(&e.clone().into_validation_errors()).unwrap(),
    ]
}

fn assert_absent(secret: &str, renderings: &[String]) {
    for r in renderings {
        assert!(!r.contains(secret), "{secret:?} leaked into: {r}");
    }
}

#[derive(Debug, validator::Validate)]
struct PeerLogin {
    #[validate(length(min = 12))]
    password: String,
}

#[test]
fn the_validator_crate_echoes_rejected_values_and_apishield_does_not() {
    let peer = PeerLogin { password: "hunter2".into() };
    let leaked = serde_json::to_string(&peer.validate().unwrap_err()).unwrap();
    assert!(leaked.contains("hunter2"), "validator puts the value in `params`: {leaked}");

    let ours = Login::from_json(br#"{"username":"ada","password":"hunter2"}"#);
    assert_absent("hunter2", &renderings(ours));
}

#[test]
fn rejected_values_of_every_kind_stay_out_of_errors() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("hunter2-Sekrit", br#"{"username":"ada","password":"hunter2-Sekrit\u0000"}"#.to_vec()),
        ("Robert'); DROP TABLE", br#"{"username":"Robert'); DROP TABLE","password":"correct horse battery"}"#.to_vec()),
        ("1234567", br#"{"username":"ada","password":"correct horse battery","otp":1234567}"#.to_vec()),
        (
            "not-a-uuid-XyZ",
            br#"{"username":"ada","password":"correct horse battery","device":"not-a-uuid-XyZ"}"#.to_vec(),
        ),
        ("sk_live_5Hx", br#"{"username":"ada","password":"sk_live_5Hx"}"#.to_vec()),
    ];
    for (secret, json) in cases {
        assert_absent(secret, &renderings(Login::from_json(&json)));
    }
    let user = br#"{"name":"Mallory <script>","email":"mallory-at-evil","age":250,"role":"superadmin-XyZ","tags":["ok","%drop-this-tag-which-is-very-much-too-long"]}"#;
    let r = renderings(CreateUser::from_json(user));
    for secret in ["mallory-at-evil", "250", "superadmin-XyZ", "%drop-this-tag"] {
        assert_absent(secret, &r);
    }
    let order = br#"{"lineItems":[{"name":"tea","quantity":31337}],"giftWrap":"maybe-XyZ","attributes":{"k":"v-XyZ-v-XyZ-v-XyZ-v-XyZ-v-XyZ-v-XyZ-v-XyZ-v-XyZ-v-XyZ-v-XyZ-v-XyZ-v-XyZ"}}"#;
    let r = renderings(CreateOrder::from_json(order));
    for secret in ["31337", "maybe-XyZ", "v-XyZ"] {
        assert_absent(secret, &r);
    }
    let r = renderings(ListOrders::from_query("pageSize=31337&minTotal=NaN&q=%00secret-XyZ"));
    for secret in ["31337", "NaN", "secret-XyZ"] {
        assert_absent(secret, &r);
    }
}

#[test]
fn malformed_input_is_not_quoted_back() {
    let r = renderings(Login::from_json(br#"{"username":"ada","password":"p4ss-XyZ"#));
    assert_absent("p4ss-XyZ", &r);
    let r = renderings(Login::from_json(br#"{"username":"ada","password":p4ss-XyZ}"#));
    assert_absent("p4ss-XyZ", &r);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the (invalid) password, no rendering of the error contains it.
    #[test]
    fn no_password_ever_appears_in_an_error(password in "[A-Za-z0-9!#%&*+?@^_~-]{4,11}") {
        let json = serde_json::json!({"username": "ada", "password": password}).to_string();
        for r in renderings(Login::from_json(json.as_bytes())) {
            prop_assert!(!r.contains(&password), "{password:?} in {r}");
        }
    }
}
