//! The schema and the validation accept the same documents.
//!
//! For random JSON documents (mostly near the rules' edges: lengths one
//! past a bound, numbers just outside a range, wrong types, missing and
//! unknown fields, strings of multi-byte characters), an independent JSON
//! Schema validator (the `jsonschema` crate, draft 2020-12, ECMA-262
//! patterns) run against the generated schema must accept a document
//! exactly when `T::from_json` does.
//!
//! The generators leave out only what JSON Schema cannot express (listed in
//! `apishield::schema`): NUL characters, `trim`, repeated keys (a
//! `serde_json::Value` cannot hold them), integers written as `1.0`, `f32`
//! rounding, aliases.

use std::sync::OnceLock;

use apishield::SecureRequest;
use apishield::request::ReadRequestOwned;
use jsonschema::Validator;
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value, json};

use super::types::{Checkout, OrderStatus, OrderView, Signup};

fn validator<T: schemars::JsonSchema>(cell: &'static OnceLock<Validator>) -> &'static Validator {
    cell.get_or_init(|| {
        let schema = serde_json::to_value(schemars::schema_for!(T)).unwrap();
        jsonschema::validator_for(&schema).expect("the generated schema is a valid JSON Schema")
    })
}

/// Asserts the two verdicts agree, showing both when they do not.
fn agree<T: SecureRequest + ReadRequestOwned + std::fmt::Debug>(
    validator: &Validator,
    doc: &Value,
) -> Result<(), TestCaseError> {
    let bytes = serde_json::to_vec(doc).unwrap();
    let ours = T::from_json(&bytes);
    let theirs: Vec<String> = validator.iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    prop_assert_eq!(
        ours.is_ok(),
        theirs.is_empty(),
        "document {}\napishield: {:?}\njson schema: {:?}",
        doc,
        ours.as_ref().err().map(|e| e
            .errors()
            .iter()
            .map(|e| (e.path().to_string(), e.code().as_str()))
            .collect::<Vec<_>>()),
        theirs
    );
    Ok(())
}

// ------------------------------------------------------------ generators

/// Any JSON scalar or small container, for "wrong type" cases. Numbers
/// carry a fraction (an integer field refusing `3.0` is a known difference).
fn any_value() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-1000i64..1000).prop_map(|i| Value::from(i as f64 + 0.5)),
        "[a-z]{0,3}".prop_map(Value::from),
        Just(json!([])),
        Just(json!({})),
    ]
    .boxed()
}

/// Strings of `len` characters, some of them multi-byte (a bound counts
/// characters, not bytes).
fn text(len: std::ops::RangeInclusive<usize>) -> BoxedStrategy<Value> {
    proptest::collection::vec(prop_oneof![4 => "[a-z0-9 .@-]", 1 => "[éß€😀]"], len)
        .prop_map(|chars| Value::from(chars.concat()))
        .boxed()
}

fn strings(patterns: &[&'static str]) -> BoxedStrategy<Value> {
    let options: Vec<BoxedStrategy<Value>> =
        patterns.iter().map(|&p| proptest::string::string_regex(p).unwrap().prop_map(Value::from).boxed()).collect();
    proptest::strategy::Union::new(options).boxed()
}

fn one_of(values: &[&'static str]) -> BoxedStrategy<Value> {
    proptest::sample::select(values.to_vec()).prop_map(Value::from).boxed()
}

fn ints(range: std::ops::RangeInclusive<i64>) -> BoxedStrategy<Value> {
    range.prop_map(Value::from).boxed()
}

/// A field: values its rules accept, and values at or past their edges
/// (which may or may not be accepted), or of another type.
struct Field {
    name: &'static str,
    valid: BoxedStrategy<Value>,
    edge: BoxedStrategy<Value>,
}

fn field(name: &'static str, valid: BoxedStrategy<Value>, edge: BoxedStrategy<Value>) -> Field {
    Field { name, valid, edge: prop_oneof![5 => edge, 1 => any_value()].boxed() }
}

/// An object of these fields: each a valid value, except that at a rate
/// drawn per document (none, a few, many) a field takes an edge value, is
/// left out, or an unknown field is added. Documents with no edge at all
/// must be accepted by both; the others probe every rule.
fn object(fields: Vec<Field>) -> BoxedStrategy<Value> {
    let n = fields.len();
    let names: Vec<&'static str> = fields.iter().map(|f| f.name).collect();
    let valid: Vec<BoxedStrategy<Value>> = fields.iter().map(|f| f.valid.clone()).collect();
    let edge: Vec<BoxedStrategy<Value>> = fields.into_iter().map(|f| f.edge).collect();
    let rate = prop_oneof![Just(0.0), Just(0.04), Just(0.25)];
    (valid, edge, proptest::collection::vec(0.0f64..1.0, n + 1), rate)
        .prop_map(move |(valid, edge, dice, rate)| {
            let mut map = Map::new();
            for (i, ((name, valid), edge)) in names.iter().zip(valid).zip(edge).enumerate() {
                let roll = dice[i];
                if roll < rate * 0.15 {
                    continue; // left out
                }
                map.insert((*name).to_owned(), if roll < rate { edge } else { valid });
            }
            if dice[n] < rate * 0.2 {
                map.insert("isAdmin".to_owned(), Value::from(true));
            }
            Value::Object(map)
        })
        .boxed()
}

fn email_valid() -> BoxedStrategy<Value> {
    strings(&["[a-z0-9!#+]{1,4}(\\.[a-z0-9]{1,3}){0,2}@[a-z0-9]([a-z0-9-]{0,3}[a-z0-9])?(\\.[a-z0-9]{1,4}){0,2}"])
}

fn email_edge() -> BoxedStrategy<Value> {
    strings(&[
        "[a-z.@-]{0,8}",
        // Around the 64-character local part and the 63-character label.
        "[a-z]{62,66}@x\\.io",
        "a@[a-z]{61,65}\\.io",
        "\\.?[a-z]{1,3}\\.{1,2}[a-z]{0,2}@-?[a-z]{1,3}-?(\\.)?",
        "[a-z]{1,3}@[a-z]{1,3}@[a-z]{1,3}",
    ])
}

fn address_fields() -> Vec<Field> {
    vec![
        field("street", text(1..=8), text(0..=9)),
        field("zip", strings(&["[0-9]{5}"]), strings(&["[0-9]{4,6}", "[0-9a]{5}"])),
    ]
}

fn signup() -> BoxedStrategy<Value> {
    let tags = |len, item: BoxedStrategy<Value>| proptest::collection::vec(item, len).prop_map(Value::from).boxed();
    let scores = |len, key: &'static str, value: BoxedStrategy<Value>| {
        proptest::collection::btree_map(key, value, len).prop_map(|m| Value::Object(m.into_iter().collect())).boxed()
    };
    let nested = |fields: Vec<Field>| {
        // A valid nested object, and one with its own edges.
        let valid: Vec<BoxedStrategy<Value>> = fields.iter().map(|f| f.valid.clone()).collect();
        let names: Vec<&'static str> = fields.iter().map(|f| f.name).collect();
        let valid = valid
            .prop_map(move |values| Value::Object(names.iter().map(|n| (*n).to_owned()).zip(values).collect()))
            .boxed();
        (valid, object(fields))
    };
    let (address_valid, address_edge) = nested(address_fields());
    let (billing_valid, billing_edge) = nested(address_fields());
    object(vec![
        field("displayName", text(2..=6), text(0..=7)),
        field("email", email_valid(), email_edge()),
        field("age", ints(13..=120), ints(-1..=256)),
        field("offset", ints(-5..=5), ints(-7..=7)),
        field("role", one_of(&["user", "viewer"]), one_of(&["admin", "User", ""])),
        field("theme", one_of(&["light", "dark"]), one_of(&["neon", ""])),
        field("code", strings(&["[a-z]{2}-[0-9]{1,3}"]), strings(&["[a-z]{2}-[0-9]{1,4}", "[a-z0-9-]{0,7}"])),
        field("tags", tags(0..=3, text(1..=3)), tags(0..=4, text(0..=4))),
        field("nickname", prop_oneof![Just(Value::Null), text(0..=4)].boxed(), text(5..=6)),
        field(
            "ratio",
            (0.0f64..1.0).prop_map(Value::from).boxed(),
            prop_oneof![(-0.5f64..1.5).prop_map(Value::from), Just(json!(1.0)), Just(json!(0)), Just(json!(1))].boxed(),
        ),
        field("newsletter", any::<bool>().prop_map(Value::from).boxed(), Just(json!("true")).boxed()),
        field("initial", text(1..=1), text(0..=2)),
        field("pageLimit", ints(1..=50), ints(-1..=52)),
        field("address", address_valid, address_edge),
        field("billing", prop_oneof![Just(Value::Null), billing_valid].boxed(), billing_edge),
        field("topic", one_of(&["news", "sports"]), one_of(&["News", "weather"])),
        field("scores", scores(0..=2, "[a-z😀]{1,3}", ints(0..=9)), scores(0..=3, "[a-z😀]{0,4}", ints(-1..=11))),
        field("password", text(8..=16), text(6..=18)),
    ])
}

fn card_fields() -> Vec<Field> {
    vec![
        field("number", strings(&["[0-9]{4,6}"]), strings(&["[0-9]{3,7}", "[0-9a]{4,6}"])),
        field("month", ints(1..=12), ints(0..=13)),
    ]
}

/// A payment of each method, and at a lower rate one with the fields of
/// another method.
fn payment() -> BoxedStrategy<Value> {
    let with_method = |method: &'static str, mut fields: Vec<Field>| {
        fields.insert(0, field("method", Just(Value::from(method)).boxed(), one_of(&["cash", "Card"])));
        object(fields)
    };
    let iban = || field("iban", text(4..=6), text(3..=7));
    prop_oneof![
        3 => with_method("card", card_fields()),
        3 => with_method("bank_transfer", vec![iban()]),
        3 => with_method("invoice", vec![]),
        1 => with_method("invoice", card_fields()),
        1 => with_method("card", { let mut f = card_fields(); f.push(iban()); f }),
    ]
    .boxed()
}

fn patch() -> BoxedStrategy<Value> {
    let set = object(vec![field("key", text(1..=3), text(0..=4)), field("value", ints(0..=100), ints(-1..=101))]);
    let with_op = |op: &'static str, args: BoxedStrategy<Value>| {
        object(vec![
            field("op", Just(Value::from(op)).boxed(), one_of(&["drop", "Set"])),
            field("args", args.clone(), args),
        ])
    };
    prop_oneof![
        3 => with_op("clear", Just(Value::Null).boxed()),
        3 => with_op("set", set.clone()),
        3 => with_op("pay", payment()),
        1 => with_op("clear", set),
        1 => with_op("pay", Just(Value::Null).boxed()),
    ]
    .boxed()
}

fn checkout() -> BoxedStrategy<Value> {
    let patches = |len| proptest::collection::vec(patch(), len).prop_map(Value::from).boxed();
    object(vec![field("payment", payment(), payment()), field("patches", patches(0..=2), patches(0..=3))])
}

// ------------------------------------------------------------ properties

static SIGNUP: OnceLock<Validator> = OnceLock::new();
static CHECKOUT: OnceLock<Validator> = OnceLock::new();
static ORDER_VIEW: OnceLock<Validator> = OnceLock::new();

proptest! {
    #![proptest_config(Config::with_cases(4096))]

    #[test]
    fn a_struct_with_every_rule_agrees_with_its_schema(doc in signup()) {
        agree::<Signup>(validator::<Signup>(&SIGNUP), &doc)?;
    }

    #[test]
    fn tagged_enums_agree_with_their_schema(doc in checkout()) {
        agree::<Checkout>(validator::<Checkout>(&CHECKOUT), &doc)?;
    }

    #[test]
    fn every_response_matches_its_schema(
        id in any::<u64>(),
        shipped in any::<bool>(),
        note in proptest::option::of("[a-z😀]{0,5}"),
        lines in proptest::collection::vec("[a-z]{0,3}", 0..3),
    ) {
        let status = if shipped { OrderStatus::Shipped } else { OrderStatus::Open };
        let view = OrderView { id, status, note, lines, internal_cost: 7 };
        let sent = serde_json::to_value(&view).unwrap();
        prop_assert!(validator::<OrderView>(&ORDER_VIEW).is_valid(&sent), "{}", sent);
        prop_assert!(sent.get("internal_cost").is_none());
    }
}

/// The generators reach both verdicts for every field: a property that only
/// ever saw valid (or only invalid) documents would prove nothing.
#[test]
fn the_generators_reach_both_verdicts() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    for (name, strategy, parse) in [
        ("Signup", signup(), (|b: &[u8]| Signup::from_json(b).is_ok()) as fn(&[u8]) -> bool),
        ("Checkout", checkout(), |b: &[u8]| Checkout::from_json(b).is_ok()),
    ] {
        let (mut accepted, mut refused) = (0, 0);
        for _ in 0..2000 {
            let doc = strategy.new_tree(&mut runner).unwrap().current();
            if parse(&serde_json::to_vec(&doc).unwrap()) {
                accepted += 1;
            } else {
                refused += 1;
            }
        }
        assert!(accepted > 200 && refused > 200, "{name}: accepted {accepted}, refused {refused}");
    }
}
