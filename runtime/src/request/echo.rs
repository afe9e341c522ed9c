//! Which client-sent names an error may repeat.
//!
//! Errors name an unknown key (`is_admin`) or a map key (`labels.env`)
//! because that is what makes them useful. But a key is the client's text,
//! and clients put odd things there: an object keyed by its API key or its
//! session token (`{"sk-live-…": {...}}`). Error bodies end up in logs,
//! browser consoles and support tickets, so a name is repeated only if it
//! reads like a name a developer wrote; otherwise the error points at the
//! enclosing object (or the entry's position) instead.
//!
//! The rule, in order:
//!
//! 1. 1 to [`MAX_SHOWN`] bytes of ASCII letters, digits, `_` and `-`,
//!    starting with a letter (or a plain decimal number of at most
//!    [`MAX_SHOWN_DIGITS`] digits, an integer map key). Nearly every
//!    credential is longer: an apishield key is 46 characters, a JWT longer
//!    still and it has dots.
//! 2. Never an apishield API key, not even a truncated or mistyped one:
//!    text starting with `sk-live-`, `sk-test-`, `pk-live-` or `pk-test-`.
//! 3. Words, not randomness. Split at `_`, `-` and case changes
//!    (`getHTTPResponse` is `get`, `HTTP`, `Response`): at most 4 digits, and
//!    only at the end of a `_`/`-` part (`line2`, `address_line_1`); at most
//!    one acronym (a run of capitals), of at most 5 letters; a lone capital
//!    only at the start of a part (`X-Request-Id`); words of at most 20
//!    letters without 5 consonants in a row; at most one word without a vowel
//!    (`db`, `html`).
//!
//! Random tokens fragment into short, vowel-less words with digits and
//! capitals in between, so rule 3 refuses them: hex, base32 and tokens with a
//! vendor prefix (`ghp_…`, `xoxb-…`) never pass; random base62 of 22
//! characters (128 bits) passes about 3 times in 10 000, of 32 characters
//! practically never. What no rule can tell from a name is a short,
//! word-like secret (a password used as a key): such text is shown.

use crate::auth::api_key::{ApiKeyEnvironment, ApiKeyKind};

/// The longest name an error repeats.
pub(crate) const MAX_SHOWN: usize = 32;

/// The longest decimal number an error repeats (a card number has 13 to 19 digits).
pub(crate) const MAX_SHOWN_DIGITS: usize = 12;

/// Whether an error may repeat `text`, a key the client sent. See the module
/// documentation for the rule.
pub(crate) fn may_echo(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_SHOWN {
        return false;
    }
    if bytes.iter().all(u8::is_ascii_digit) {
        return bytes.len() <= MAX_SHOWN_DIGITS;
    }
    if !bytes[0].is_ascii_alphabetic() || !bytes.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-')) {
        return false;
    }
    if is_api_key_prefix(text) || bytes.iter().filter(|b| b.is_ascii_digit()).count() > 4 {
        return false;
    }
    let mut tally = Tally::default();
    text.split(['_', '-']).all(|part| tally.part(part.as_bytes())) && tally.acronyms <= 1 && tally.vowelless <= 1
}

/// `sk-live-`, `pk-test-`, ...: the start of an apishield API key.
fn is_api_key_prefix(text: &str) -> bool {
    let (Some(kind), Some(environment)) = (text.get(..2), text.get(3..7)) else {
        return false;
    };
    let b = text.as_bytes();
    b.get(2) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && ApiKeyKind::from_name(&kind.to_ascii_lowercase()).is_some()
        && ApiKeyEnvironment::from_name(&environment.to_ascii_lowercase()).is_some()
}

#[derive(Default)]
struct Tally {
    acronyms: usize,
    vowelless: usize,
}

impl Tally {
    /// Checks one `_`/`-`-separated part, counting its acronyms and vowel-less words.
    fn part(&mut self, part: &[u8]) -> bool {
        if part.is_empty() {
            return false;
        }
        let mut i = 0;
        let mut first = true;
        while i < part.len() {
            let start = i;
            if part[i].is_ascii_digit() {
                // Digits end the part.
                return part[i..].iter().all(u8::is_ascii_digit);
            }
            while i < part.len() && part[i].is_ascii_uppercase() {
                i += 1;
            }
            let capitals = i - start;
            let followed_by_lower = part.get(i).is_some_and(u8::is_ascii_lowercase);
            // In `HTTPResponse` the last capital starts the next word.
            let acronym = if followed_by_lower { capitals.saturating_sub(1) } else { capitals };
            if acronym >= 2 {
                if acronym > 5 {
                    return false;
                }
                self.acronyms += 1;
            } else if acronym == 1 && !first {
                return false;
            }
            if followed_by_lower {
                let word_start = if capitals > 0 { i - 1 } else { i };
                while i < part.len() && part[i].is_ascii_lowercase() {
                    i += 1;
                }
                if !self.word(&part[word_start..i]) {
                    return false;
                }
            } else if capitals == 0 {
                // A lowercase word at the start of the part.
                while i < part.len() && part[i].is_ascii_lowercase() {
                    i += 1;
                }
                if !self.word(&part[start..i]) {
                    return false;
                }
            }
            first = false;
        }
        true
    }

    /// Checks one word (`Response`, `get`): length, consonant runs, vowels.
    fn word(&mut self, word: &[u8]) -> bool {
        const MAX_WORD: usize = 20;
        let is_vowel = |b: &u8| matches!(b.to_ascii_lowercase(), b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
        if word.len() > MAX_WORD {
            return false;
        }
        let mut run = 0;
        for b in word {
            run = if is_vowel(b) { 0 } else { run + 1 };
            if run == 5 {
                return false;
            }
        }
        if word.len() >= 2 && !word.iter().any(is_vowel) {
            self.vowelless += 1;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::may_echo;

    #[test]
    fn names_developers_write_are_shown() {
        for name in [
            "id",
            "x",
            "is_admin",
            "isAdmin",
            "userID",
            "UserId",
            "X-Request-Id",
            "getHTTPResponseCode",
            "iOS",
            "eTag",
            "ETag",
            "address_line_1",
            "line2",
            "sha256",
            "year2024",
            "us-east-1",
            "htmlBody",
            "passwd",
            "notification_preferences",
            "internationalization",
            "access_token",
            "page_size",
            "12",
        ] {
            assert!(may_echo(name), "{name}");
        }
    }

    #[test]
    fn credentials_and_random_text_are_not() {
        for text in [
            // apishield keys, whole or in part, any case
            "sk-live-4eC39HqLyjWDarjtT1zdp7dc",
            "pk-test-abc",
            "SK-LIVE-abc",
            // JWT-shaped (dots), vendor-shaped, hex, base32, base62
            "eyJhbGciOiJIUzI1NiJ9.e30.sig",
            "ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
            "xoxb-123456789012-123456789012-AbCdEfGhIjKlMnOpQrStUvWx",
            "0123456789abcdef0123456789abcdef",
            "d41d8cd98f00b204e9800998ecf8427e",
            "JBSWY3DPEHPK3PXP",
            "AKIAIOSFODNN7EXAMPLE",
            "hfmATVdglPxhtByyQ3",
            "Xk9fQ2LpA7wZrT4mN8vB1c",
            // too long, not a name, too many digits
            "a_very_long_field_name_that_goes_on_and_on",
            "",
            "_private",
            "1st",
            "a b",
            "caf\u{e9}",
            "4111111111111111",
            "pin12345",
            "a__b",
        ] {
            assert!(!may_echo(text), "{text}");
        }
    }
}
