//! The schema of a concrete nested field type, chosen by method resolution
//! (the same autoref choice as the leaf's reading and checking): the type's
//! own `JsonSchema` when it has one, any value otherwise.
//!
//! Every `#[secure_request]` type has one (with this feature). A type that
//! validates itself through [`Bounded`](crate::Bounded) may not: `time`'s
//! types, or a type of your own. Requiring one would make turning the
//! feature on a compile error in code that has nothing to do with schemas;
//! the schema says "any value" for it instead (documented in the module).

use schemars::{JsonSchema, Schema, SchemaGenerator};

use crate::request::nested::Leaf;

/// The choice for a type with a schema of its own.
pub trait LeafSchema<T: ?Sized> {
    /// The type's schema (a reference to its definition).
    fn schema_leaf(&self, generator: &mut SchemaGenerator) -> Schema;
}

impl<T: JsonSchema + ?Sized> LeafSchema<T> for &Leaf<T> {
    #[inline]
    fn schema_leaf(&self, generator: &mut SchemaGenerator) -> Schema {
        generator.subschema_for::<T>()
    }
}

/// The choice for a type without one: any value.
pub trait LeafNoSchema<T: ?Sized> {
    /// `{}`.
    fn schema_leaf(&self, generator: &mut SchemaGenerator) -> Schema;
}

impl<T: ?Sized> LeafNoSchema<T> for Leaf<T> {
    #[inline]
    fn schema_leaf(&self, _: &mut SchemaGenerator) -> Schema {
        Schema::default()
    }
}
