//! E-mail address syntax.
//!
//! The WHATWG HTML definition of a valid e-mail address (what browsers check
//! in `<input type=email>`), with the local part as an RFC 5322 dot-atom (no
//! leading, trailing or doubled dot) and the RFC 5321 size limits (local part
//! 64 octets, address 254). Internationalized domains must be sent in their
//! ASCII (punycode) form, as browsers do. Hand-written rather than a regex:
//! one pass over the bytes with a class table, no regex to compile.

/// The longest address RFC 5321 allows through a mail system (also the
/// upper length bound `#[shield(email)]` implies at compile time).
pub(crate) const MAX_EMAIL_LEN: usize = apishield_internals::limits::MAX_EMAIL_LEN;
const MAX_LOCAL_LEN: usize = 64;
const MAX_LABEL_LEN: usize = 63;

/// Byte classes for the one-pass check below.
const ATEXT: u8 = 1;
const LABEL_INNER: u8 = 2;
const ALNUM: u8 = 4;

const CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let alnum = c.is_ascii_alphanumeric();
        let atext_symbol = matches!(
            c,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'/'
                | b'='
                | b'?'
                | b'^'
                | b'_'
                | b'`'
                | b'{'
                | b'|'
                | b'}'
                | b'~'
                | b'-'
        );
        let mut class = 0;
        if alnum || atext_symbol {
            class |= ATEXT;
        }
        if alnum || c == b'-' {
            class |= LABEL_INNER;
        }
        if alnum {
            class |= ALNUM;
        }
        table[b] = class;
        b += 1;
    }
    table
};

/// Whether `s` is a syntactically valid e-mail address.
pub(crate) fn is_email(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.len() > MAX_EMAIL_LEN {
        return false;
    }
    let Some(at) = bytes.iter().rposition(|&b| b == b'@') else {
        return false;
    };
    let (local, domain) = (&bytes[..at], &bytes[at + 1..]);
    is_local_part(local) && is_domain(domain)
}

/// A dot-atom: atext runs separated by single dots.
fn is_local_part(local: &[u8]) -> bool {
    if local.is_empty() || local.len() > MAX_LOCAL_LEN {
        return false;
    }
    let mut after_dot = true; // no leading dot
    for &b in local {
        if b == b'.' {
            if after_dot {
                return false;
            }
            after_dot = true;
        } else if CLASSES[usize::from(b)] & ATEXT != 0 {
            after_dot = false;
        } else {
            return false;
        }
    }
    !after_dot // no trailing dot
}

/// Dot-separated labels of letters, digits and inner hyphens, each 1..=63 long.
fn is_domain(domain: &[u8]) -> bool {
    let mut label_len = 0usize;
    let mut last = b'.';
    for &b in domain {
        if b == b'.' {
            if label_len == 0 || CLASSES[usize::from(last)] & ALNUM == 0 {
                return false;
            }
            label_len = 0;
        } else {
            let class = CLASSES[usize::from(b)];
            if class & LABEL_INNER == 0 || (label_len == 0 && class & ALNUM == 0) {
                return false;
            }
            label_len += 1;
            if label_len > MAX_LABEL_LEN {
                return false;
            }
        }
        last = b;
    }
    label_len > 0 && CLASSES[usize::from(last)] & ALNUM != 0
}

#[cfg(test)]
mod tests {
    use super::is_email;

    #[test]
    fn accepts_ordinary_addresses() {
        for ok in [
            "a@b",
            "alice@example.com",
            "first.last+tag@sub.example.co.uk",
            "x!#$%&'*+/=?^_`{|}~-y@example.com",
            "user@xn--bcher-kva.example",
            "1@2.3",
        ] {
            assert!(is_email(ok), "{ok}");
        }
    }

    #[test]
    fn rejects_malformed_addresses() {
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_label = format!("a@{}.com", "b".repeat(64));
        let long_total = format!("a@{}.com", vec!["c".repeat(60); 5].join("."));
        for bad in [
            "",
            "@",
            "a@",
            "@b",
            "ab",
            "a@@b",
            "a@b@c",
            ".a@b",
            "a.@b",
            "a..b@c",
            "a@-b",
            "a@b-",
            "a@b..c",
            "a@.b",
            "a@b.",
            "a b@c",
            "a@b c",
            "\"quoted\"@example.com",
            "a@[127.0.0.1]",
            "bücher@example.com",
            "a@bücher.example",
            "a\0@b",
            long_local.as_str(),
            long_label.as_str(),
            long_total.as_str(),
        ] {
            assert!(!is_email(bad), "{bad:?}");
        }
    }
}
