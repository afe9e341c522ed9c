use apishield::prelude::*;

/// A documented request.
#[secure_request]
#[derive(Debug)]
pub struct Documented {
    /// The name, documented.
    #[shield(len = ..=10)]
    pub name: String,
    /// Compiled out: neither read nor accepted.
    #[cfg(any())]
    #[shield(len = ..=10)]
    pub hidden: String,
    /// Compiled in.
    #[cfg(all())]
    #[shield(range = 1..=9)]
    pub shown: u8,
}

fn main() {
    let d = Documented::from_json(br#"{"name":"a","shown":1}"#).unwrap();
    assert_eq!(d.shown, 1);
    let err = Documented::from_json(br#"{"name":"a","shown":1,"hidden":"x"}"#).unwrap_err();
    assert_eq!(err.errors()[0].code().as_str(), "unknown_field");
}
