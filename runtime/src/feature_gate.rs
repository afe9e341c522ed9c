//! Not public API: what macro output needs from an optional feature is
//! wrapped in these, since a proc macro cannot see the features `apishield`
//! was built with. Each expands to its first block with the feature and to
//! its `else` block without it (where the macros put the item as written
//! and a compile error that names the feature).

/// `{ with axum } else { without }`.
#[cfg(feature = "axum")]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_axum {
    ({ $($with:tt)* } else { $($without:tt)* }) => { $($with)* };
}

/// `{ with axum } else { without }`.
#[cfg(not(feature = "axum"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_axum {
    ({ $($with:tt)* } else { $($without:tt)* }) => { $($without)* };
}

/// `{ with validator }`: the `validator::Validate` impl of a request type
/// exists only with the `validator` feature.
#[cfg(feature = "validator")]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_validator {
    ({ $($with:tt)* }) => { $($with)* };
}

/// `{ with validator }`.
#[cfg(not(feature = "validator"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_validator {
    ({ $($with:tt)* }) => {};
}

/// `#[owned_by]` on a type: an `IntoResponse` that can never be used, so
/// that returning the type from a handler is a compile error that says what
/// to do. Nothing without the `axum` feature.
#[cfg(feature = "axum")]
#[doc(hidden)]
#[macro_export]
macro_rules! __owned_into_response {
    ($ty:ty) => {
        #[automatically_derived]
        impl ::apishield::__private::axum::response::IntoResponse for $ty
        where
            for<'__apishield> ::apishield::__private::Unchecked<$ty>:
                ::apishield::__private::AuthorizeBeforeSerializing<$ty>,
        {
            fn into_response(self) -> ::apishield::__private::axum::response::Response {
                ::core::unreachable!()
            }
        }
    };
}

/// `#[owned_by]` on a type, without axum: nothing.
#[cfg(not(feature = "axum"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __owned_into_response {
    ($ty:ty) => {};
}

/// `{ with schemars }` or `{ with schemars } else { without }`: the
/// `JsonSchema` impls of request and response types, and the schema their
/// policies point to, exist only with the `schemars` feature.
#[cfg(feature = "schemars")]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_schemars {
    ({ $($with:tt)* }) => { $($with)* };
    ({ $($with:tt)* } else { $($without:tt)* }) => { $($with)* };
}

/// `{ with schemars }` or `{ with schemars } else { without }`.
#[cfg(not(feature = "schemars"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __if_schemars {
    ({ $($with:tt)* }) => {};
    ({ $($with:tt)* } else { $($without:tt)* }) => { $($without)* };
}
