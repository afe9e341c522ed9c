#![deny(warnings)]
//! `#[owned_by]` and `#[secure_response]` in either order: the same impls,
//! the same policy, the same behaviour.
use apishield::prelude::*;

#[owned_by(user_id)]
#[secure_response]
#[derive(Debug)]
pub struct OwnedAbove {
    pub id: u64,
    pub user_id: u64,
}

#[secure_response]
#[owned_by(user_id)]
#[derive(Debug)]
pub struct OwnedBelow {
    pub id: u64,
    pub user_id: u64,
}

#[secure_response(from = OwnedAbove)]
pub struct AboveId {
    pub id: u64,
}

#[secure_response(from = OwnedBelow)]
pub struct BelowId {
    pub id: u64,
}

fn main() {
    let alice = Principal::new("7");
    let above = alice.authorize(OwnedAbove { id: 1, user_id: 7 }).unwrap();
    let below = alice.authorize(OwnedBelow { id: 2, user_id: 7 }).unwrap();
    assert_eq!(serde_json::to_string(&above).unwrap(), r#"{"id":1,"user_id":7}"#);
    assert_eq!(serde_json::to_string(&below).unwrap(), r#"{"id":2,"user_id":7}"#);
    assert_eq!(serde_json::to_string(&AboveId::from(&above)).unwrap(), r#"{"id":1}"#);
    assert_eq!(serde_json::to_string(&BelowId::from(&below)).unwrap(), r#"{"id":2}"#);
    assert_eq!(OwnedAbove::POLICY.owned_by(), Some("user_id"));
    assert_eq!(OwnedBelow::POLICY.owned_by(), Some("user_id"));
    assert!(Principal::new("8").authorize(OwnedBelow { id: 3, user_id: 7 }).is_err());
}
