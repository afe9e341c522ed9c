use apishield::prelude::*;

#[secure_request]
#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Signup {
    #[shield(len = 1..=50)]
    pub display_name: String,
    #[serde(skip_serializing)]
    #[shield(len = 8..=128)]
    pub password: String,
}

/// Code written against the validator crate accepts the type.
fn check<T: validator::Validate>(value: &T) -> bool {
    value.validate().is_ok()
}

fn main() {
    let s = Signup::from_json(br#"{"displayName":"Ada","password":"correct horse"}"#).unwrap();
    assert!(check(&s));
    assert_eq!(serde_json::to_string(&s).unwrap(), r#"{"displayName":"Ada"}"#);
}
