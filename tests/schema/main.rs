//! JSON Schemas generated from the annotations (apishield's `schemars`
//! feature): what they say (`shapes`), and that a JSON Schema validator
//! accepts exactly the documents the validation accepts (`equivalence`).

mod equivalence;
mod shapes;
mod types;
