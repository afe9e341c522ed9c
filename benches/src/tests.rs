//! Every validating contender accepts the valid document and rejects the
//! invalid one; the floor accepts both.

use crate::inputs::{INVALID, VALID};
use crate::{hand_written, plain, shield, with_garde, with_validator};

#[test]
fn inputs_break_the_rules_they_claim_to() {
    let valid = plain::parse(VALID.as_bytes()).expect("VALID is well-formed JSON");
    let bad = plain::parse(INVALID.as_bytes()).expect("INVALID is well-formed JSON");
    assert_eq!(valid.tags.len(), 20);
    assert_eq!(bad.tags.len(), 20);
    assert!(valid.address.is_some() && bad.address.is_some());
    assert_eq!(bad.name.chars().count(), 101);
    assert_ne!(bad.name.len(), 101, "the long name has a non-ASCII char, so bytes and chars differ");
    assert!(!bad.email.contains('@'));
    assert!(bad.age < 13);
    assert_eq!(bad.tags.iter().filter(|t| t.chars().count() > 32).count(), 1);
    assert_eq!(valid.role, bad.role);
}

#[test]
fn floor_accepts_both() {
    assert!(plain::parse(VALID.as_bytes()).is_ok());
    assert!(plain::parse(INVALID.as_bytes()).is_ok());
}

#[test]
fn validator_accepts_valid_rejects_invalid() {
    let user = with_validator::parse(VALID.as_bytes()).expect("valid");
    assert_eq!(user.tags.len(), 20);
    match with_validator::parse(INVALID.as_bytes()) {
        Err(with_validator::Error::Invalid(e)) => {
            let mut fields: Vec<_> = e.field_errors().into_keys().map(|k| k.to_string()).collect();
            fields.sort();
            assert_eq!(fields, ["age", "email", "name", "tags"]);
        }
        other => panic!("expected validation errors, got {other:?}"),
    }
}

#[test]
fn garde_accepts_valid_rejects_invalid() {
    let user = with_garde::parse(VALID.as_bytes()).expect("valid");
    assert_eq!(user.tags.len(), 20);
    match with_garde::parse(INVALID.as_bytes()) {
        Err(with_garde::Error::Invalid(report)) => {
            let mut paths: Vec<_> = report.iter().map(|(p, _)| p.to_string()).collect();
            paths.sort();
            assert_eq!(paths, ["age", "email", "name", "tags[19]"]);
        }
        other => panic!("expected validation errors, got {other:?}"),
    }
}

#[test]
fn hand_written_accepts_valid_rejects_invalid() {
    let user = hand_written::parse(VALID.as_bytes()).expect("valid");
    assert_eq!(user.tags.len(), 20);
    match hand_written::parse(INVALID.as_bytes()) {
        Err(hand_written::Error::Invalid(fields)) => assert_eq!(fields, ["name", "email", "age", "tags"]),
        other => panic!("expected validation errors, got {other:?}"),
    }
}

#[test]
fn apishield_accepts_valid_rejects_invalid() {
    let user = shield::parse(VALID.as_bytes()).expect("valid");
    assert_eq!(user.tags.len(), 20);
    assert_eq!(user.role, "viewer");
    assert_eq!(user.address.as_ref().map(|a| a.country.as_str()), Some("GB"));
    let err = shield::parse(INVALID.as_bytes()).expect_err("invalid");
    let codes: Vec<_> = err.errors().iter().map(|e| (e.path().to_string(), e.code().as_str())).collect();
    assert_eq!(
        codes,
        [
            ("name".to_owned(), "too_long"),
            ("email".to_owned(), "invalid_email"),
            ("age".to_owned(), "out_of_range"),
            ("tags[19]".to_owned(), "too_long"),
        ]
    );
}

#[test]
fn hand_written_email_check_agrees_on_the_inputs() {
    // The simple check is looser than the others; make sure it is not so
    // loose that the comparison on these inputs is meaningless.
    for bad in ["", "@", "a@", "@b", "ab", "a@b..c", "a b@c", "a@b c"] {
        let json = VALID.replace("ada.lovelace@example.com", bad);
        assert!(hand_written::parse(json.as_bytes()).is_err(), "{bad:?}");
    }
}
