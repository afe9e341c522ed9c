//! JSON objects read strictly: a name that appears twice is an error.
//!
//! RFC 7515 section 5.2 and RFC 7519 section 4 let a parser reject duplicate
//! member names, and a validator must: serde_json (and so jsonwebtoken)
//! keeps the *last* value of `{"role":"user","role":"admin"}` while other
//! parsers keep the first, so a token checked by one component and read by
//! another could mean two things. This is a small serde visitor that builds
//! a `serde_json::Value` and fails on the second occurrence of a name at any
//! depth (names are compared after unescaping, so `"rol\u0065"` is `"role"`).

use std::cell::Cell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// Why a segment is not a strict JSON object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrictJsonError {
    /// Not JSON, not UTF-8, or not an object at the top level.
    Invalid,
    /// A member name appears twice in one object.
    Duplicate,
}

/// Parses `bytes` as one JSON object, refusing duplicate names.
pub(crate) fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, StrictJsonError> {
    let duplicate = Cell::new(false);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed = Strict { duplicate: &duplicate }.deserialize(&mut de).and_then(|value| de.end().map(|()| value));
    match parsed {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(StrictJsonError::Invalid),
        Err(_) if duplicate.get() => Err(StrictJsonError::Duplicate),
        Err(_) => Err(StrictJsonError::Invalid),
    }
}

/// The seed and visitor: `duplicate` tells the caller why parsing stopped,
/// since serde errors carry only text.
#[derive(Clone, Copy)]
struct Strict<'a> {
    duplicate: &'a Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v).map(Value::Number).ok_or_else(|| E::custom("non-finite number"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16));
        while let Some(item) = seq.next_element_seed(self)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(name) = access.next_key::<String>()? {
            if map.contains_key(&name) {
                self.duplicate.set(true);
                return Err(de::Error::custom("duplicate member name"));
            }
            let value = access.next_value_seed(self)?;
            map.insert(name, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::{StrictJsonError, parse_object};

    #[test]
    fn reads_objects() {
        let map = parse_object(br#"{"sub":"42","aud":["a","b"],"n":1.5,"x":{"y":null}}"#).unwrap();
        assert_eq!(map["sub"], "42");
        assert_eq!(map["aud"][1], "b");
        assert!(map["x"]["y"].is_null());
    }

    #[test]
    fn refuses_duplicates_at_any_depth_and_after_unescaping() {
        for json in [
            r#"{"role":"user","role":"admin"}"#,
            r#"{"role":"user","rol\u0065":"admin"}"#,
            r#"{"realm":{"roles":[],"roles":["admin"]}}"#,
            r#"{"a":[{"k":1,"k":2}]}"#,
        ] {
            assert_eq!(parse_object(json.as_bytes()), Err(StrictJsonError::Duplicate), "{json}");
        }
    }

    #[test]
    fn refuses_what_is_not_one_object() {
        for json in ["", "[]", "\"x\"", "{", "{}{}", "{\"a\":1} x", "{\"a\":NaN}"] {
            assert_eq!(parse_object(json.as_bytes()), Err(StrictJsonError::Invalid), "{json}");
        }
        assert_eq!(parse_object(b"{\"a\":\"\xff\"}"), Err(StrictJsonError::Invalid));
    }
}
