//! The annotated types of every crate linked into the program, registered
//! before `main` by the code `#[secure_request]`, `#[secure_response]` and
//! `#[owned_by]` generate.
//!
//! Why `inventory` and not `linkme`: inventory registers each entry from a
//! constructor that the platform runs before `main` (`.init_array`,
//! `__mod_init_func`, `.CRT$XCU`: where C++ static constructors go), so it
//! needs nothing of the linker beyond what every Rust target with `std`
//! already has, and the generated code is one `macro_rules!` call through
//! `::apishield::__private::inventory`. linkme builds a slice from a custom
//! linker section, which needs start/stop symbols from each platform's
//! linker, and its generated code needs its own attribute
//! (`#[distributed_slice]`, with `#[linkme(crate = ..)]` to be re-exported).
//!
//! A type registers once, generic or not: its policy is the same for every
//! instantiation (the rules as written). As with any registration before
//! `main`, a type in a library crate of which the program uses nothing may
//! be left out by the linker.

use crate::request::{RequestKind, RequestPolicy};
use crate::response::ResponsePolicy;

/// One annotated type, as its macro registered it.
#[derive(Debug)]
pub struct RegisteredType {
    module: &'static str,
    policy: TypePolicy,
}

/// What a registered type's macro knows of it.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum TypePolicy {
    /// `#[secure_request]`: its fields and their rules.
    Request(&'static RequestPolicy),
    /// `#[secure_response]`: the fields that leave the server.
    Response(&'static ResponsePolicy),
    /// `#[owned_by]` on a type: it leaves the server only as `Authorized<T>`.
    Owned {
        /// The type's name.
        type_name: &'static str,
        /// The owner field.
        owner_field: &'static str,
        /// The owner field's type, as written.
        owner_type: &'static str,
    },
}

inventory::collect!(RegisteredType);

impl RegisteredType {
    #[doc(hidden)]
    pub const fn __request(module: &'static str, policy: &'static RequestPolicy) -> RegisteredType {
        RegisteredType { module, policy: TypePolicy::Request(policy) }
    }

    #[doc(hidden)]
    pub const fn __response(module: &'static str, policy: &'static ResponsePolicy) -> RegisteredType {
        RegisteredType { module, policy: TypePolicy::Response(policy) }
    }

    #[doc(hidden)]
    pub const fn __owned(
        module: &'static str,
        type_name: &'static str,
        owner_field: &'static str,
        owner_type: &'static str,
    ) -> RegisteredType {
        RegisteredType { module, policy: TypePolicy::Owned { type_name, owner_field, owner_type } }
    }

    /// Every type registered in the program, in no particular order.
    pub fn all() -> impl Iterator<Item = &'static RegisteredType> {
        inventory::iter::<RegisteredType>.into_iter()
    }

    /// The module the type is declared in (`my_api::orders`).
    pub fn module(&self) -> &'static str {
        self.module
    }

    /// What its macro knows of it.
    pub fn policy(&self) -> TypePolicy {
        self.policy
    }

    /// The type's name, without its module.
    pub fn type_name(&self) -> &'static str {
        match self.policy {
            TypePolicy::Request(p) => p.type_name(),
            TypePolicy::Response(p) => p.type_name(),
            TypePolicy::Owned { type_name, .. } => type_name,
        }
    }

    /// `request_body`, `request_query`, `response` or `owned`.
    pub fn kind(&self) -> &'static str {
        match self.policy {
            TypePolicy::Request(p) if p.kind() == RequestKind::Query => "request_query",
            TypePolicy::Request(_) => "request_body",
            TypePolicy::Response(_) => "response",
            TypePolicy::Owned { .. } => "owned",
        }
    }
}
