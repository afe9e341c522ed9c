//! `#[secure_request]` types implement `validator::Validate`, so code and
//! extractors written for the validator crate accept them, and they see the
//! same errors in validator's shape.

use apishield::SecureRequest;
use apishield_tests::fixtures::{CreateOrder, CreateUser};
use validator::{Validate, ValidationErrors, ValidationErrorsKind};

fn validated<T: Validate>(value: &T) -> Result<(), ValidationErrors> {
    value.validate()
}

#[test]
fn a_valid_value_validates() {
    let user = CreateUser::from_json(apishield_tests::fixtures::create_user_json().as_bytes()).unwrap();
    assert!(validated(&user).is_ok());
}

#[test]
fn errors_nest_like_validators_own() {
    let mut order = CreateOrder::from_json(
        br#"{"lineItems":[{"name":"tea","quantity":1},{"name":"cake","quantity":2}],"giftWrap":false,"attributes":{}}"#,
    )
    .unwrap();
    order.line_items[1].quantity = 0;
    order.discount = Some(0.9);
    let errors = validated(&order).unwrap_err();

    let ValidationErrorsKind::List(items) = &errors.errors()["lineItems"] else { panic!("{errors:?}") };
    let ValidationErrorsKind::Field(quantity) = &items[&1].errors()["quantity"] else { panic!("{errors:?}") };
    assert_eq!(quantity[0].code, "out_of_range");
    assert_eq!(quantity[0].message.as_deref(), Some("must be between 1 and 99"));
    assert_eq!(quantity[0].params["path"], "lineItems[1].quantity");

    let ValidationErrorsKind::Field(discount) = &errors.errors()["discount"] else { panic!("{errors:?}") };
    assert_eq!(discount[0].code, "out_of_range");
    // Only the path is a parameter: never the value.
    assert_eq!(discount[0].params.len(), 1);
}

#[test]
fn errors_on_list_items_that_are_not_objects_keep_their_path() {
    let mut user = CreateUser::from_json(apishield_tests::fixtures::create_user_json().as_bytes()).unwrap();
    user.tags[3] = String::new();
    if let Some(address) = user.address.as_mut() {
        address.zip.clear();
    }
    let errors = validated(&user).unwrap_err();
    let ValidationErrorsKind::Field(tags) = &errors.errors()["tags"] else { panic!("{errors:?}") };
    assert_eq!((tags[0].code.as_ref(), &tags[0].params["path"]), ("too_short", &serde_json::json!("tags[3]")));
    let ValidationErrorsKind::Struct(address) = &errors.errors()["address"] else { panic!("{errors:?}") };
    assert!(address.field_errors().contains_key("zip"));
}
