//! Builders the generated `JsonSchema` impls call: an object of named
//! fields, the variants of a tagged enum, a unit enum.

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

/// The schema of a struct (or a struct variant): its fields, which of them
/// are required, no other field allowed.
#[derive(Debug, Default)]
pub struct ObjectSchema {
    properties: Map<String, Value>,
    required: Vec<Value>,
}

impl ObjectSchema {
    /// An object without fields yet.
    pub fn new() -> Self {
        ObjectSchema::default()
    }

    /// A field under its wire name. `default` is the JSON text of the value
    /// an absent field takes (written by the macro from the literal).
    pub fn field(&mut self, wire: &str, mut schema: Schema, required: bool, default: Option<&str>) {
        if let Some(default) = default.and_then(|text| serde_json::from_str::<Value>(text).ok()) {
            schema.insert("default".into(), default);
        }
        if required {
            self.required.push(wire.into());
        }
        self.properties.insert(wire.to_owned(), schema.to_value());
    }

    /// The object's schema.
    pub fn finish(self) -> Schema {
        let mut s = Map::new();
        s.insert("type".into(), "object".into());
        s.insert("properties".into(), self.properties.into());
        if !self.required.is_empty() {
            s.insert("required".into(), self.required.into());
        }
        s.insert("additionalProperties".into(), false.into());
        Schema::from(s)
    }
}

/// A reference to `T`'s schema (its definition), for a policy's schema
/// function pointer.
pub fn subschema<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// A unit enum: one of the variant names.
pub fn unit_enum(names: &[&str]) -> Schema {
    Schema::from(Map::from_iter([
        ("type".to_owned(), Value::from("string")),
        ("enum".to_owned(), names.iter().map(|n| Value::from(*n)).collect::<Vec<_>>().into()),
    ]))
}

fn tag_schema(wire: &str) -> Value {
    json!({ "type": "string", "const": wire })
}

/// An internally tagged variant: the tag beside the variant's fields.
/// `fields` is the variant's object schema (`None` for a unit variant), or
/// the inline schema of a newtype variant's type: the tag goes into its
/// properties, into each branch of a `oneOf`, or, for any other schema,
/// beside it through `allOf`.
pub fn internal_variant(tag: &str, wire: &str, fields: Option<Schema>) -> Schema {
    let Some(fields) = fields else {
        let mut object = ObjectSchema::new();
        object.properties.insert(tag.to_owned(), tag_schema(wire));
        object.required.push(tag.into());
        return object.finish();
    };
    Schema::from(with_tag(fields.to_value(), tag, wire))
}

fn with_tag(mut value: Value, tag: &str, wire: &str) -> Map<String, Value> {
    if let Value::Object(map) = &mut value {
        if let Some(Value::Object(properties)) = map.get_mut("properties") {
            properties.insert(tag.to_owned(), tag_schema(wire));
            match map.get_mut("required") {
                Some(Value::Array(required)) => required.insert(0, tag.into()),
                _ => {
                    map.insert("required".into(), json!([tag]));
                }
            }
            return std::mem::take(map);
        }
        if let Some(Value::Array(branches)) = map.get_mut("oneOf") {
            for branch in branches.iter_mut() {
                *branch = Value::Object(with_tag(branch.take(), tag, wire));
            }
            return std::mem::take(map);
        }
    }
    let tag_only = json!({ "type": "object", "properties": { tag: tag_schema(wire) }, "required": [tag] });
    Map::from_iter([("allOf".to_owned(), json!([tag_only, value]))])
}

/// An adjacently tagged variant: `{tag: name, content: fields}`; a unit
/// variant has no content (or `null`).
pub fn adjacent_variant(tag: &str, content: &str, wire: &str, fields: Option<Schema>) -> Schema {
    let mut object = ObjectSchema::new();
    object.properties.insert(tag.to_owned(), tag_schema(wire));
    object.required.push(tag.into());
    match fields {
        Some(fields) => {
            object.properties.insert(content.to_owned(), fields.to_value());
            object.required.push(content.into());
        }
        None => {
            object.properties.insert(content.to_owned(), json!({ "type": "null" }));
        }
    }
    object.finish()
}

/// A tagged enum: exactly one of its variants.
pub fn one_of_variants(variants: Vec<Schema>) -> Schema {
    let branches: Vec<Value> = variants.into_iter().map(Schema::to_value).collect();
    Schema::from(Map::from_iter([("oneOf".to_owned(), Value::from(branches))]))
}
