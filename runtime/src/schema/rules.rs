//! The schema of each kind of field rule: the same rule values the
//! generated `Deserialize` impl checks against, read the other way.

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::request::collection::{BoxRules, MapLike, MapRules, OptionRules, SecretRules, SeqLike, SeqRules};
use crate::request::error::Number;
use crate::request::nested::NestedRules;
use crate::request::number::{Float, FloatRules, Int, IntRules};
use crate::request::scalar::PlainRules;
use crate::request::string::StrRules;

/// The JSON Schema of a field of type `T` read under these rules.
/// Implemented by every rule type the macros generate (as `Check<T>` and
/// `Read<'de, T>` are).
pub trait RuleSchema<T: ?Sized> {
    /// The schema of a value.
    fn schema(&self, generator: &mut SchemaGenerator) -> Schema;

    /// The schema of the value as a map key, which JSON always sends as a
    /// string: the value's own schema unless the value is not a string.
    fn key_schema(&self, generator: &mut SchemaGenerator) -> Schema {
        self.schema(generator)
    }
}

fn object(map: Map<String, Value>) -> Schema {
    Schema::from(map)
}

/// The exact syntax `#[shield(email)]` accepts (see `request::email`), as an
/// ECMA-262 expression: a dot-atom local part of at most 64 characters (the
/// lookahead), `@`, dot-separated labels of letters, digits and inner
/// hyphens of at most 63 characters each. The whole address is bounded by
/// `maxLength` (254).
pub(crate) const EMAIL_PATTERN: &str = concat!(
    r"^(?=[^@]{1,64}@)",
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*",
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$",
);

/// A rule's pattern anchored as the rule matches it (the whole value).
fn anchored(source: &str) -> String {
    format!("^(?:{source})$")
}

impl<T: ?Sized> RuleSchema<T> for StrRules {
    fn schema(&self, _: &mut SchemaGenerator) -> Schema {
        let mut s = Map::new();
        s.insert("type".into(), "string".into());
        if !self.one_of.is_empty() {
            // One of a fixed list: the list bounds the value. With a
            // fallback, any other string is read as the fallback: the
            // schema must accept it, and shows the list as examples.
            let list: Vec<Value> = self.one_of.iter().map(|v| Value::from(*v)).collect();
            match self.fallback {
                None => {
                    s.insert("enum".into(), list.into());
                }
                Some(fallback) => {
                    s.insert("examples".into(), list.into());
                    s.insert("default".into(), fallback.into());
                    s.insert(
                        "description".into(),
                        format!("One of the examples; any other value is read as \"{fallback}\".").into(),
                    );
                }
            }
            return object(s);
        }
        if self.min > 0 {
            s.insert("minLength".into(), self.min.into());
        }
        if self.max != usize::MAX {
            s.insert("maxLength".into(), self.max.into());
        }
        let mut patterns = Vec::new();
        if self.email {
            s.insert("format".into(), "email".into());
            patterns.push(EMAIL_PATTERN.to_owned());
        }
        if let Some(pattern) = self.pattern {
            patterns.push(anchored(pattern.source()));
        }
        match patterns.len() {
            0 => {}
            1 => {
                s.insert("pattern".into(), patterns.remove(0).into());
            }
            _ => {
                let all: Vec<Value> = patterns.into_iter().map(|p| json!({ "pattern": p })).collect();
                s.insert("allOf".into(), all.into());
            }
        }
        object(s)
    }
}

/// An integer bound as a JSON number: exact where it fits 64 bits, the
/// nearest float otherwise (a 128-bit type's own bounds).
fn int_value(n: Number) -> Value {
    match n {
        Number::Int(i) => i64::try_from(i).map_or_else(|_| float_value(i as f64), Value::from),
        Number::UInt(u) => u64::try_from(u).map_or_else(|_| float_value(u as f64), Value::from),
        Number::Float(f) => float_value(f),
    }
}

fn float_value(f: f64) -> Value {
    serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
}

impl<N: Int> RuleSchema<N> for IntRules<N> {
    fn schema(&self, _: &mut SchemaGenerator) -> Schema {
        let mut s = Map::new();
        s.insert("type".into(), "integer".into());
        if self.one_of.is_empty() {
            s.insert("minimum".into(), int_value(self.min.number()));
            s.insert("maximum".into(), int_value(self.max.number()));
        } else {
            let list: Vec<Value> = self.one_of.iter().map(|v| int_value(v.number())).collect();
            s.insert("enum".into(), list.into());
        }
        object(s)
    }

    /// A key is a string of digits (the range applies after parsing, which
    /// JSON Schema cannot express on a string).
    fn key_schema(&self, _: &mut SchemaGenerator) -> Schema {
        object(key_pattern(r"^-?[0-9]+$"))
    }
}

fn key_pattern(pattern: &str) -> Map<String, Value> {
    let mut s = Map::new();
    s.insert("type".into(), "string".into());
    s.insert("pattern".into(), pattern.into());
    s
}

impl<N: Float> RuleSchema<N> for FloatRules<N> {
    fn schema(&self, _: &mut SchemaGenerator) -> Schema {
        let mut s = Map::new();
        s.insert("type".into(), "number".into());
        let (min, max) = (self.min.to_f64(), self.max.to_f64());
        if min.is_finite() && min > f64::MIN {
            s.insert("minimum".into(), float_value(min));
        }
        if max.is_finite() && max < f64::MAX {
            let key = if self.max_exclusive { "exclusiveMaximum" } else { "maximum" };
            s.insert(key.into(), float_value(max));
        }
        object(s)
    }
}

impl RuleSchema<bool> for PlainRules {
    fn schema(&self, _: &mut SchemaGenerator) -> Schema {
        object(Map::from_iter([("type".to_owned(), Value::from("boolean"))]))
    }

    fn key_schema(&self, _: &mut SchemaGenerator) -> Schema {
        object(Map::from_iter([
            ("type".to_owned(), Value::from("string")),
            ("enum".to_owned(), json!(["true", "false"])),
        ]))
    }
}

impl RuleSchema<char> for PlainRules {
    fn schema(&self, _: &mut SchemaGenerator) -> Schema {
        object(Map::from_iter([
            ("type".to_owned(), Value::from("string")),
            ("minLength".to_owned(), Value::from(1)),
            ("maxLength".to_owned(), Value::from(1)),
        ]))
    }
}

/// `null` allowed beside the value: in `type` when the schema is a plain
/// typed one, through `anyOf` otherwise (a `$ref`, an `enum`, a `const`).
pub(crate) fn nullable(schema: Schema) -> Schema {
    let mut value = schema.to_value();
    if let Value::Object(map) = &mut value {
        let plain = !map.contains_key("enum") && !map.contains_key("const") && !map.contains_key("$ref");
        if plain && let Some(Value::String(ty)) = map.get("type") {
            let types = json!([ty.clone(), "null"]);
            map.insert("type".into(), types);
            return object(std::mem::take(map));
        }
    }
    object(Map::from_iter([("anyOf".to_owned(), json!([value, { "type": "null" }]))]))
}

impl<R: RuleSchema<T>, T> RuleSchema<Option<T>> for OptionRules<R> {
    fn schema(&self, generator: &mut SchemaGenerator) -> Schema {
        nullable(self.0.schema(generator))
    }
}

impl<R: RuleSchema<T>, T> RuleSchema<Box<T>> for BoxRules<R> {
    fn schema(&self, generator: &mut SchemaGenerator) -> Schema {
        self.0.schema(generator)
    }

    fn key_schema(&self, generator: &mut SchemaGenerator) -> Schema {
        self.0.key_schema(generator)
    }
}

/// A secret is sent by the client and never answered (`writeOnly`).
impl<R: RuleSchema<T>, T: zeroize::Zeroize> RuleSchema<crate::Secret<T>> for SecretRules<R> {
    fn schema(&self, generator: &mut SchemaGenerator) -> Schema {
        let mut schema = self.0.schema(generator);
        schema.insert("writeOnly".into(), true.into());
        schema
    }
}

impl<R, C> RuleSchema<C> for SeqRules<R>
where
    C: SeqLike,
    R: RuleSchema<C::Item>,
{
    fn schema(&self, generator: &mut SchemaGenerator) -> Schema {
        let mut s = Map::new();
        s.insert("type".into(), "array".into());
        s.insert("items".into(), self.each.schema(generator).to_value());
        s.insert("maxItems".into(), self.max_items.into());
        object(s)
    }
}

impl<KR, VR, M> RuleSchema<M> for MapRules<KR, VR>
where
    M: MapLike,
    KR: RuleSchema<M::Key>,
    VR: RuleSchema<M::Value>,
{
    fn schema(&self, generator: &mut SchemaGenerator) -> Schema {
        let mut s = Map::new();
        s.insert("type".into(), "object".into());
        s.insert("additionalProperties".into(), self.each.schema(generator).to_value());
        s.insert("propertyNames".into(), self.keys.key_schema(generator).to_value());
        s.insert("maxProperties".into(), self.max_items.into());
        object(s)
    }
}

/// A nested type that mentions a type parameter: its own schema (the
/// where-clause of the generated impl requires it).
impl<T: JsonSchema> RuleSchema<T> for NestedRules {
    fn schema(&self, generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<T>()
    }
}
