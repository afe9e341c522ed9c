//! The "types" section: each annotated type once, with what its macros
//! registered (a response type that is also `#[owned_by]` is one row).

use super::registry::{RegisteredType, TypePolicy};

/// One annotated type of the program.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TypeRow {
    /// The module it is declared in.
    pub module: &'static str,
    /// Its name.
    pub name: &'static str,
    /// `request_body`, `request_query`, `response`, `owned`: one per macro.
    pub kinds: Vec<&'static str>,
    /// The owner field (`#[owned_by]`).
    pub owned_by: Option<&'static str>,
    /// Its fields on the wire, with their rules as written (requests) or
    /// `""` (responses: every listed field is sent).
    pub fields: Vec<(&'static str, &'static str)>,
}

impl TypeRow {
    /// `module::Name`.
    pub fn path(&self) -> String {
        format!("{}::{}", self.module, self.name)
    }
}

/// The rows of `registered`, sorted by module and name.
pub(crate) fn rows<'a>(registered: impl IntoIterator<Item = &'a RegisteredType>) -> Vec<TypeRow> {
    let mut rows: Vec<TypeRow> = Vec::new();
    for t in registered {
        let at = match rows.iter().position(|r| r.module == t.module() && r.name == t.type_name()) {
            Some(at) => at,
            None => {
                rows.push(TypeRow {
                    module: t.module(),
                    name: t.type_name(),
                    kinds: Vec::new(),
                    owned_by: None,
                    fields: Vec::new(),
                });
                rows.len() - 1
            }
        };
        let row = &mut rows[at];
        if !row.kinds.contains(&t.kind()) {
            row.kinds.push(t.kind());
        }
        match t.policy() {
            TypePolicy::Request(p) if row.fields.is_empty() => {
                row.fields = p.fields().iter().map(|f| (f.name(), f.rules())).collect();
            }
            TypePolicy::Response(p) => {
                row.owned_by = row.owned_by.or(p.owned_by());
                if row.fields.is_empty() {
                    row.fields = p.fields().iter().map(|f| (*f, "")).collect();
                }
            }
            TypePolicy::Owned { owner_field, .. } => row.owned_by = Some(owner_field),
            _ => {}
        }
    }
    for row in &mut rows {
        row.kinds.sort_unstable();
    }
    rows.sort_by(|a, b| (a.module, a.name).cmp(&(b.module, b.name)));
    rows
}
