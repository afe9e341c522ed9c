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
