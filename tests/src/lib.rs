//! Request types shared by the integration tests: the design's `CreateUser`
//! and a few neighbours that exercise every kind of field.

pub mod fixtures;
