//! No error text, error JSON or validator-shaped error contains a rejected
//! value. Error bodies end up in logs, browser consoles and support tickets,
//! and a rejected value can be a password.
//!
//! The first test shows the check has teeth: the validator crate's own
//! derive puts the rejected value into its errors.

use std::collections::BTreeMap;

use apishield::SecureRequest;
use apishield::auth::api_key::{ApiKey, ApiKeyEnvironment, ApiKeyKind};
use apishield::prelude::*;
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

// ----------------------------------------------- client text used as a key

/// Map keys pass their rules (up to 64 characters), so a credential can
/// reach an error path as a key when its value is invalid.
#[secure_request]
#[derive(Debug)]
struct Labels {
    #[shield(max_items = 5, keys(len = 1..=64), each(len = ..=8))]
    labels: BTreeMap<String, String>,
}

/// An internally tagged enum: its variants read unknown keys through their own path.
#[secure_request]
#[derive(Debug)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Notify {
    Email {
        #[shield(email)]
        to: String,
    },
}

fn api_keys() -> Vec<String> {
    let mut keys = Vec::new();
    for kind in [ApiKeyKind::Secret, ApiKeyKind::Publishable] {
        for env in [ApiKeyEnvironment::Live, ApiKeyEnvironment::Test] {
            keys.push(ApiKey::generate(kind, env).unwrap().expose_secret().to_owned());
        }
    }
    keys
}

/// Credentials of other shapes: a JWT, vendor-style tokens, hex and base64url session ids.
const OTHER_CREDENTIALS: &[&str] = &[
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "xoxb-263594206564-2343594206574-FGqddMF8t08v8N7Oq4i57vs1",
    "d41d8cd98f00b204e9800998ecf8427e",
    "5f4dcc3b5aa765d61d8327deb882cf99",
    "Q2hyaXN0bWFzIGlzIGNvbWluZy4",
    "sk-live-4eC39HqLyjWD",
];

fn credentials() -> Vec<String> {
    let mut all = api_keys();
    all.extend(OTHER_CREDENTIALS.iter().map(|s| (*s).to_owned()));
    // A key cut short, or with a typo, is still a key.
    let key = all[0].clone();
    all.push(key[..20].to_owned());
    all.push(key.replacen('A', "B", 1));
    all
}

#[test]
fn a_credential_sent_as_an_unknown_key_is_not_repeated() {
    for secret in credentials() {
        let json =
            serde_json::json!({ "username": "ada", "password": "correct horse battery", &secret: 1 }).to_string();
        let result = Login::from_json(json.as_bytes());
        let e = result.as_ref().unwrap_err();
        assert!(e.has_code(apishield::ErrorCode::UnknownField), "{e}");
        assert_absent(&secret, &renderings(result));

        let query = format!("q=tea&{}=1", urlencode(&secret));
        let result = ListOrders::from_query(&query);
        assert!(result.as_ref().unwrap_err().has_code(apishield::ErrorCode::UnknownField));
        assert_absent(&secret, &renderings(result));

        let json = serde_json::json!({ "kind": "email", "to": "a@example.com", &secret: true }).to_string();
        let result = Notify::from_json(json.as_bytes());
        assert!(result.as_ref().unwrap_err().has_code(apishield::ErrorCode::UnknownField));
        assert_absent(&secret, &renderings(result));
    }
}

#[test]
fn a_credential_used_as_a_map_key_is_replaced_by_its_position() {
    for secret in credentials().into_iter().filter(|s| s.len() <= 64) {
        // The second entry of the document: the path is that position.
        let json = format!(r#"{{"labels":{{"env":"prod","{secret}":"much-too-long"}}}}"#);
        let result = Labels::from_json(json.as_bytes());
        let e = result.as_ref().unwrap_err();
        let paths: Vec<String> = e.errors().iter().map(|e| e.path().to_string()).collect();
        assert_eq!(paths, ["labels[1]"], "{e}");
        assert_absent(&secret, &renderings(result));
        // Re-validation of a value built in code takes the same care.
        let mut labels = BTreeMap::new();
        labels.insert(secret.clone(), "much-too-long".to_owned());
        let e = Labels { labels }.validate_request().unwrap_err();
        assert_eq!(e.errors()[0].path().to_string(), "labels[0]");
        assert!(!e.to_string().contains(&secret));
    }
}

#[test]
fn names_that_read_like_names_are_still_named() {
    let e = Login::from_json(br#"{"username":"ada","password":"correct horse battery","is_admin":true,"userID":1}"#)
        .unwrap_err();
    assert_eq!(e.at("is_admin").map(|e| e.code()), Some(apishield::ErrorCode::UnknownField), "{e}");
    assert!(e.at("userID").is_some(), "{e}");
    let e = ListOrders::from_query("pageSise=3").unwrap_err();
    assert!(e.at("pageSise").is_some(), "{e}");
    let e = Labels::from_json(br#"{"labels":{"env":"production"}}"#).unwrap_err();
    assert_eq!(e.errors()[0].path().to_string(), "labels.env");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// No generated API key, of any kind and environment, is ever repeated as
    /// an unknown key, from JSON or from a query string.
    #[test]
    fn no_api_key_is_ever_named(kind in prop_oneof![Just(ApiKeyKind::Secret), Just(ApiKeyKind::Publishable)],
                                env in prop_oneof![Just(ApiKeyEnvironment::Live), Just(ApiKeyEnvironment::Test)],
                                cut in 8usize..=46) {
        let key = ApiKey::generate(kind, env).unwrap();
        let text = &key.expose_secret()[..cut];
        let json = serde_json::json!({ "username": "ada", "password": "correct horse battery", text: 1 }).to_string();
        for r in renderings(Login::from_json(json.as_bytes())) {
            prop_assert!(!r.contains(text), "{} in {}", text, r);
        }
        for r in renderings(ListOrders::from_query(&format!("{text}=1"))) {
            prop_assert!(!r.contains(text), "{} in {}", text, r);
        }
    }

    /// Nothing JWT-shaped or longer than a field name is ever named.
    #[test]
    fn no_token_is_ever_named(header in "eyJ[A-Za-z0-9_-]{4,30}", payload in "[A-Za-z0-9_-]{1,40}",
                              signature in "[A-Za-z0-9_-]{0,43}", long in "[A-Za-z][A-Za-z0-9_-]{32,60}") {
        let jwt = format!("{header}.{payload}.{signature}");
        for text in [jwt.as_str(), long.as_str()] {
            let json = serde_json::json!({ "username": "ada", "password": "correct horse battery", text: 1 }).to_string();
            for r in renderings(Login::from_json(json.as_bytes())) {
                prop_assert!(!r.contains(text), "{} in {}", text, r);
            }
        }
    }
}
