use apishield::prelude::*;

#[secure_request]
pub struct Query {
    #[shield(one_of = ["a", "b"])]
    pub r#type: String,
    #[shield(len = ..=10)]
    pub r#match: String,
}

fn main() {
    let q = Query::from_json(br#"{"type":"a","match":"x"}"#).unwrap();
    assert_eq!((q.r#type.as_str(), q.r#match.as_str()), ("a", "x"));
}
