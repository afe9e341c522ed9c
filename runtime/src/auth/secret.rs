//! A secret value: redacted in `Debug` and `Display`, zeroized on drop, not
//! serializable, readable only through an explicit `expose_secret()`.

use std::fmt;

use serde::{Deserialize, Deserializer};
use zeroize::Zeroize;

/// A credential (password, token, key) that must not leak.
///
/// * `Debug` and `Display` print `[REDACTED]`, so it cannot end up in logs
///   through `{:?}` on a request struct;
/// * it implements no `Serialize`, so it cannot end up in a response (and a
///   `#[secure_response]` field of this type is a compile error);
/// * its memory is overwritten when it is dropped;
/// * reading it is explicit: [`expose_secret`](Secret::expose_secret).
///
/// It deserializes like the value it holds, so a request can carry one:
/// `#[shield(len = 12..=128)] password: Secret<String>`.
///
/// ```
/// use apishield::Secret;
///
/// let password = Secret::new(String::from("hunter2"));
/// assert_eq!(format!("{password:?}"), "Secret([REDACTED])");
/// assert_eq!(password.expose_secret(), "hunter2");
/// ```
pub struct Secret<T: Zeroize>(T);

impl<T: Zeroize> Secret<T> {
    /// Wraps a secret value.
    pub fn new(value: T) -> Self {
        Secret(value)
    }

    /// The secret itself. Every read is a visible call in the code.
    pub fn expose_secret(&self) -> &T {
        &self.0
    }
}

impl<T: Zeroize> Drop for Secret<T> {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl<T: Zeroize> From<T> for Secret<T> {
    fn from(value: T) -> Self {
        Secret(value)
    }
}

impl<T: Zeroize + Clone> Clone for Secret<T> {
    fn clone(&self) -> Self {
        Secret(self.0.clone())
    }
}

impl<T: Zeroize> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

impl<T: Zeroize> fmt::Display for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

impl<'de, T: Zeroize + Deserialize<'de>> Deserialize<'de> for Secret<T> {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        T::deserialize(de).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn never_prints_its_value() {
        let s = Secret::new(String::from("sk_live_abc"));
        assert!(!format!("{s:?} {s}").contains("sk_live"));
        let wrapped = Some(s.clone());
        assert!(!format!("{wrapped:?}").contains("sk_live"));
        assert_eq!(s.expose_secret(), "sk_live_abc");
    }

    #[test]
    fn deserializes_like_its_value() {
        let s: Secret<String> = serde_json::from_str("\"p4ss\"").unwrap();
        assert_eq!(s.expose_secret(), "p4ss");
    }
}
