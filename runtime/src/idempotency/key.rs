//! The `Idempotency-Key` header.
//!
//! The IETF httpapi draft defines the field as a structured-field string
//! (`Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"`); Stripe-style
//! clients send it bare. Both are accepted. The key itself must be 1 to 255
//! visible ASCII characters: no spaces, no control characters, no escapes.

use std::fmt;

/// The longest key accepted.
pub const MAX_KEY_LEN: usize = 255;

/// Why an `Idempotency-Key` value was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// The header is absent (or sent more than once, which is as ambiguous).
    Missing,
    /// The value is empty, too long, not visible ASCII, or a malformed quoted string.
    Malformed,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Missing => f.write_str("the Idempotency-Key header is required"),
            KeyError::Malformed => f.write_str("the Idempotency-Key header is malformed"),
        }
    }
}

impl std::error::Error for KeyError {}

fn visible_ascii(s: &str) -> bool {
    s.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// Parses one header value: `"key"` or `key`. The quoted form is an RFC 9651
/// string whose content must itself be a valid key, so escapes (`\"`, `\\`)
/// are never needed and are refused.
pub fn parse_key(value: &[u8]) -> Result<&str, KeyError> {
    let value = std::str::from_utf8(value).map_err(|_| KeyError::Malformed)?;
    let key = match value.strip_prefix('"') {
        Some(rest) => rest.strip_suffix('"').ok_or(KeyError::Malformed)?,
        None => value,
    };
    if key.is_empty() || key.len() > MAX_KEY_LEN || !visible_ascii(key) || key.contains(['"', '\\']) {
        return Err(KeyError::Malformed);
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_bare_and_quoted_keys() {
        assert_eq!(parse_key(b"abc-123"), Ok("abc-123"));
        assert_eq!(parse_key(b"\"8e03978e-40d5-43e8-bc93-6894a57f9324\""), Ok("8e03978e-40d5-43e8-bc93-6894a57f9324"));
        assert_eq!(parse_key(&[b'k'; 255]), Ok(&*"k".repeat(255)));
    }

    #[test]
    fn refuses_everything_else() {
        for bad in [
            &b""[..],
            b"\"\"",
            b"\"abc",
            b"abc\"",
            b"a b",
            b" abc",
            b"abc\t",
            b"\"a\\\"b\"",
            b"a\\b",
            b"caf\xc3\xa9",
            b"\xff",
            b"a\x00b",
        ] {
            assert_eq!(parse_key(bad), Err(KeyError::Malformed), "{bad:?}");
        }
        assert_eq!(parse_key(&[b'k'; 256]), Err(KeyError::Malformed));
    }

    proptest! {
        #[test]
        fn never_panics_and_accepts_only_visible_ascii(value in prop::collection::vec(any::<u8>(), 0..300)) {
            if let Ok(key) = parse_key(&value) {
                prop_assert!(!key.is_empty() && key.len() <= MAX_KEY_LEN);
                prop_assert!(key.bytes().all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\'));
            }
        }
    }
}
