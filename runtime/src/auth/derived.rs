//! A value derived from the rest of its struct, made on first use.

use std::sync::OnceLock;

/// A cached value computed from fields that never change (a principal from
/// an API key's owner and scopes, a rate-limit key from a caller). It is
/// not part of what its struct says: two structs that differ only in
/// whether it was made yet are equal, so the struct can keep deriving
/// `PartialEq` instead of listing every other field by hand.
#[derive(Clone)]
pub(crate) struct Derived<T>(OnceLock<T>);

impl<T> Default for Derived<T> {
    fn default() -> Self {
        Derived(OnceLock::new())
    }
}

impl<T> Derived<T> {
    /// The value, made by `make` the first time.
    pub(crate) fn get_or_init(&self, make: impl FnOnce() -> T) -> &T {
        self.0.get_or_init(make)
    }
}

impl<T> PartialEq for Derived<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> Eq for Derived<T> {}

#[cfg(test)]
mod tests {
    use super::Derived;

    #[test]
    fn made_once_and_never_part_of_equality() {
        let made = Derived::default();
        assert_eq!(*made.get_or_init(|| 1), 1);
        assert_eq!(*made.get_or_init(|| 2), 1, "made once");
        assert!(made == Derived::default(), "made or not, equal");
    }
}
