//! Ownership without HTTP: who may see what, and exactly what an authorized
//! response contains.

use apishield::prelude::*;
use proptest::prelude::*;

#[owned_by(user_id)]
#[secure_response]
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    pub id: u64,
    pub user_id: u64,
    pub total_cents: i64,
    #[shield(skip)]
    pub internal_risk_score: u8,
}

#[owned_by(owner)]
#[secure_response]
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub id: u32,
    pub owner: String,
    #[serde(rename = "text")]
    pub body: String,
}

#[test]
fn the_owner_and_admins_are_authorized_and_nobody_else() {
    let order = Order { id: 1, user_id: 42, total_cents: 999, internal_risk_score: 80 };
    assert!(Principal::new("42").authorize(order.clone()).is_ok());
    assert!(Principal::new("admin-1").with_roles(["admin"]).authorize(order.clone()).is_ok());
    for stranger in ["43", "042", "+42", "42 ", "", "4"] {
        assert_eq!(Principal::new(stranger).authorize(order.clone()), Err(Forbidden), "{stranger:?}");
    }
    assert_eq!(Principal::new("x").with_roles(["Admin", "administrator"]).authorize(order), Err(Forbidden));
}

#[test]
fn an_authorized_resource_serializes_exactly_its_listed_fields() {
    let order = Order { id: 1, user_id: 42, total_cents: 999, internal_risk_score: 80 };
    let json = serde_json::to_value(Principal::new("42").authorize(order).unwrap()).unwrap();
    assert_eq!(json, serde_json::json!({"id": 1, "user_id": 42, "total_cents": 999}));
    let note = Note { id: 3, owner: "alice".into(), body: "hi".into() };
    let json = serde_json::to_string(&Principal::new("alice").authorize(note).unwrap()).unwrap();
    assert_eq!(json, r#"{"id":3,"owner":"alice","text":"hi"}"#);
    assert_eq!(<Order as SecureResponse>::POLICY.fields(), ["id", "user_id", "total_cents"]);
    assert_eq!(<Order as SecureResponse>::POLICY.owned_by(), Some("user_id"));
}

#[test]
fn role_and_scope_checks() {
    let p = Principal::new("7").with_roles(["support"]).with_scopes(["orders:read"]);
    assert!(p.require_role("support").is_ok());
    assert_eq!(p.require_role("admin"), Err(Forbidden));
    assert!(p.require_scope("orders:read").is_ok());
    assert_eq!(p.require_scope("orders:write"), Err(Forbidden));
    assert_eq!(Forbidden.to_string(), "forbidden");
}

proptest! {
    /// Whatever the owners of a list, `authorize_all` keeps exactly the
    /// caller's own resources, in order, and an admin keeps them all.
    #[test]
    fn authorize_all_never_leaks_another_owners_resource(
        owners in prop::collection::vec(0u64..6, 0..40),
        caller in 0u64..6,
    ) {
        let orders: Vec<Order> = owners.iter().enumerate()
            .map(|(i, &user_id)| Order { id: i as u64, user_id, total_cents: 1, internal_risk_score: 0 })
            .collect();
        let visible = Principal::new(caller.to_string()).authorize_all(orders.clone());
        prop_assert!(visible.iter().all(|o| o.user_id == caller));
        let expected: Vec<u64> = orders.iter().filter(|o| o.user_id == caller).map(|o| o.id).collect();
        let got: Vec<u64> = visible.iter().map(|o| o.id).collect();
        prop_assert_eq!(got, expected);
        let admin = Principal::new("root").with_roles(["admin"]).authorize_all(orders.clone());
        prop_assert_eq!(admin.len(), orders.len());
    }

    /// String owners compare exactly: no prefix, case or whitespace game.
    #[test]
    fn string_owners_compare_exactly(owner in "[a-zA-Z0-9 ]{0,8}", subject in "[a-zA-Z0-9 ]{0,8}") {
        let note = Note { id: 1, owner: owner.clone(), body: String::new() };
        prop_assert_eq!(Principal::new(subject.clone()).authorize(note).is_ok(), owner == subject);
    }
}
