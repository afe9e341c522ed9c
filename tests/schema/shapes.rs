//! What the generated schemas say, keyword by keyword.

use serde_json::{Value, json};

use super::types::{Checkout, OrderView, Signup};

fn schema_of<T: schemars::JsonSchema>() -> Value {
    serde_json::to_value(schemars::schema_for!(T)).unwrap()
}

#[test]
fn a_request_schema_states_every_bound() {
    let s = schema_of::<Signup>();
    let p = &s["properties"];
    assert_eq!(s["type"], "object");
    assert_eq!(s["additionalProperties"], false);
    // Wire names (rename_all), required unless optional or defaulted.
    let required: Vec<&str> = s["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert!(required.contains(&"displayName") && required.contains(&"address") && required.contains(&"password"));
    for optional in ["nickname", "billing", "pageLimit", "theme"] {
        assert!(!required.contains(&optional), "{optional} is not required");
    }
    assert_eq!(p["displayName"], json!({ "type": "string", "minLength": 2, "maxLength": 6 }));
    assert_eq!(p["age"], json!({ "type": "integer", "minimum": 13, "maximum": 120 }));
    assert_eq!(p["offset"], json!({ "type": "integer", "minimum": -5, "maximum": 5 }));
    assert_eq!(p["role"], json!({ "type": "string", "enum": ["user", "viewer"] }));
    assert_eq!(p["theme"]["default"], "light");
    assert_eq!(p["theme"]["examples"], json!(["light", "dark"]));
    assert!(p["theme"].get("enum").is_none(), "a fallback accepts any value");
    assert_eq!(p["code"], json!({ "type": "string", "maxLength": 6, "pattern": "^(?:[a-z]{2}-[0-9]{1,3})$" }));
    assert_eq!(p["email"]["format"], "email");
    assert_eq!(p["email"]["maxLength"], 254);
    assert_eq!(
        p["tags"],
        json!({ "type": "array", "maxItems": 3, "items": { "type": "string", "minLength": 1, "maxLength": 3 } })
    );
    assert_eq!(p["nickname"], json!({ "type": ["string", "null"], "maxLength": 4 }));
    assert_eq!(p["ratio"], json!({ "type": "number", "minimum": 0.0, "exclusiveMaximum": 1.0 }));
    assert_eq!(p["newsletter"], json!({ "type": "boolean" }));
    assert_eq!(p["initial"], json!({ "type": "string", "minLength": 1, "maxLength": 1 }));
    assert_eq!(p["pageLimit"], json!({ "type": "integer", "minimum": 1, "maximum": 50, "default": 10 }));
    assert_eq!(p["address"], json!({ "$ref": "#/$defs/Address" }));
    assert_eq!(p["billing"], json!({ "anyOf": [{ "$ref": "#/$defs/Address" }, { "type": "null" }] }));
    assert_eq!(p["topic"], json!({ "$ref": "#/$defs/Topic" }));
    assert_eq!(s["$defs"]["Topic"], json!({ "type": "string", "enum": ["news", "sports"] }));
    assert_eq!(
        p["scores"],
        json!({
            "type": "object",
            "maxProperties": 2,
            "propertyNames": { "type": "string", "minLength": 1, "maxLength": 3 },
            "additionalProperties": { "type": "integer", "minimum": 0, "maximum": 9 },
        })
    );
    assert_eq!(p["password"], json!({ "type": "string", "minLength": 8, "maxLength": 16, "writeOnly": true }));
    assert_eq!(s["$defs"]["Address"]["properties"]["zip"]["pattern"], "^(?:[0-9]{5})$");
}

#[test]
fn tagged_enums_are_one_object_per_variant() {
    let s = schema_of::<Checkout>();
    let payment = &s["$defs"]["Payment"]["oneOf"];
    // Internally tagged: the tag beside the fields, a newtype variant's type inline.
    assert_eq!(payment[0]["properties"]["method"], json!({ "type": "string", "const": "card" }));
    assert_eq!(payment[0]["properties"]["month"], json!({ "type": "integer", "minimum": 1, "maximum": 12 }));
    assert_eq!(payment[0]["required"][0], "method");
    assert_eq!(payment[0]["additionalProperties"], false);
    assert_eq!(payment[1]["properties"]["iban"]["minLength"], 4);
    assert_eq!(
        payment[2],
        json!({
            "type": "object",
            "properties": { "method": { "type": "string", "const": "invoice" } },
            "required": ["method"],
            "additionalProperties": false,
        })
    );
    // Adjacently tagged: the content under its own key; a unit variant has none.
    let patch = &s["$defs"]["Patch"]["oneOf"];
    assert_eq!(patch[0]["properties"]["args"], json!({ "type": "null" }));
    assert_eq!(patch[0]["required"], json!(["op"]));
    assert_eq!(patch[1]["required"], json!(["op", "args"]));
    assert_eq!(patch[1]["properties"]["args"]["properties"]["value"]["maximum"], 100);
    assert_eq!(patch[2]["properties"]["args"], json!({ "$ref": "#/$defs/Payment" }));
}

#[test]
fn a_response_schema_lists_only_what_leaves_the_server() {
    let s = schema_of::<OrderView>();
    let p = s["properties"].as_object().unwrap();
    let mut names: Vec<&str> = p.keys().map(String::as_str).collect();
    names.sort_unstable();
    assert_eq!(names, ["id", "lines", "note", "status"], "the skipped field is not described");
    assert_eq!(s["required"], json!(["id", "status", "lines"]), "skip_serializing_if: not always sent");
    assert_eq!(s["additionalProperties"], false);
    assert_eq!(s["$defs"]["OrderStatus"], json!({ "type": "string", "enum": ["open", "shipped"] }));
}

#[test]
fn the_policies_point_to_the_schemas() {
    use apishield::{SecureRequest, SecureResponse};
    let mut generator = schemars::SchemaGenerator::default();
    let request = Signup::POLICY.schema().expect("a type without type parameters has a schema")(&mut generator);
    assert_eq!(request.as_value(), &json!({ "$ref": "#/$defs/Signup" }));
    let response = OrderView::POLICY.schema().unwrap()(&mut generator);
    assert_eq!(response.as_value(), &json!({ "$ref": "#/$defs/OrderView" }));
    let definitions = generator.definitions();
    assert!(definitions.contains_key("Signup") && definitions.contains_key("Address"));
}
