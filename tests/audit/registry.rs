//! The registry of annotated types: every `#[secure_request]`,
//! `#[secure_response]` and `#[owned_by]` type of the program, generic ones
//! included (once: the policy as written), types declared in a function too.

// The types exist to be registered; nothing else uses them.
#![allow(dead_code)]

use std::borrow::Cow;

use apishield::audit::{Audit, RegisteredType, TypeRow};
use apishield::prelude::*;

#[secure_request(query)]
pub struct ListNotes {
    #[shield(range = 1..=100, default)]
    pub limit: u32,
}

#[secure_request]
pub struct Title<'a> {
    #[shield(len = 1..=80, trim)]
    pub text: Cow<'a, str>,
}

#[secure_request]
pub struct Tagged<T> {
    pub value: T,
    #[shield(max_items = 5, each(len = ..=16))]
    pub tags: Vec<String>,
}

#[secure_request]
pub enum Color {
    Red,
    Blue,
}

#[owned_by(owner_id)]
#[secure_response]
pub struct Note {
    pub id: u64,
    pub owner_id: u64,
    #[serde(rename = "body")]
    pub text: String,
}

#[secure_response]
pub struct Page<T> {
    pub items: Vec<T>,
}

/// An owned model that is not itself a response.
#[owned_by(owner_id)]
pub struct Draft {
    pub owner_id: u64,
}

fn rows() -> Vec<TypeRow> {
    Audit::from_entries(Vec::new()).retain_types(|t| t.module == module_path!()).types().to_vec()
}

fn row(name: &str) -> TypeRow {
    rows().into_iter().find(|r| r.name == name).unwrap_or_else(|| panic!("{name} is not registered"))
}

#[test]
fn every_annotated_type_of_this_module_once() {
    let names: Vec<&str> = rows().iter().map(|r| r.name).collect();
    assert_eq!(names, ["Color", "Draft", "ListNotes", "Local", "Note", "Page", "Tagged", "Title"]);
}

#[test]
fn kinds_fields_and_rules() {
    let list = row("ListNotes");
    assert_eq!(list.kinds, ["request_query"]);
    assert_eq!(list.fields, [("limit", "range = 1..=100, default")]);

    assert_eq!(row("Title").fields, [("text", "len = 1..=80, trim")], "a type with a lifetime");
    let tagged = row("Tagged");
    assert_eq!(tagged.kinds, ["request_body"], "a generic type registers once");
    assert_eq!(tagged.fields.iter().map(|f| f.0).collect::<Vec<_>>(), ["value", "tags"]);
    assert!(row("Color").fields.is_empty());

    let note = row("Note");
    assert_eq!(note.kinds, ["owned", "response"], "one row for both macros");
    assert_eq!(note.owned_by, Some("owner_id"));
    assert_eq!(note.fields, [("id", ""), ("owner_id", ""), ("body", "")], "the names on the wire");

    let draft = row("Draft");
    assert_eq!((draft.kinds.as_slice(), draft.owned_by), (["owned"].as_slice(), Some("owner_id")));
    assert_eq!(row("Page").kinds, ["response"]);
}

#[test]
fn a_type_declared_in_a_function_and_the_whole_program() {
    #[secure_request]
    struct Local {
        #[shield(range = 0..=1)]
        bit: u8,
    }
    let _ = Local::from_json(br#"{"bit":1}"#).map(|l| l.bit);
    let all: Vec<&RegisteredType> = RegisteredType::all().collect();
    let mut here: Vec<&str> =
        all.iter().filter(|t| t.module().starts_with(module_path!())).map(|t| t.type_name()).collect();
    here.sort_unstable();
    assert!(here.contains(&"Local"), "{here:?}");
    assert!(all.iter().any(|t| t.module().ends_with("::service") && t.type_name() == "Transfer"));
}

#[test]
fn the_types_section_of_every_format() {
    let audit = Audit::from_entries(Vec::new()).retain_types(|t| t.module == module_path!());
    assert!(audit.to_table().contains("TYPES\n  TYPE       KINDS"), "{audit}");
    assert!(audit.to_table().contains("Note       owned, response (owner_id)"), "{audit}");
    assert!(
        audit
            .to_markdown()
            .contains("| `audit::registry::Note` | owned, response | owner_id | `id`<br>`owner_id`<br>`body` |"),
        "{}",
        audit.to_markdown()
    );
    assert_eq!(audit.to_json()["types"][4]["name"], "Note");
}
