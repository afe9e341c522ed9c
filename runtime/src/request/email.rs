//! E-mail address syntax.
//!
//! The WHATWG HTML definition of a valid e-mail address (what browsers check
//! in `<input type=email>`), with the local part as an RFC 5322 dot-atom (no
//! leading, trailing or doubled dot) and the RFC 5321 size limits (local part
//! 64 octets, address 254). Internationalized domains must be sent in their
//! ASCII (punycode) form, as browsers do. Hand-written rather than a regex:
//! one pass over the bytes, no backtracking and no regex to compile.

/// The longest address RFC 5321 allows through a mail system.
pub const MAX_EMAIL_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
const MAX_LABEL_LEN: usize = 63;

/// Whether `s` is a syntactically valid e-mail address.
pub fn is_email(s: &str) -> bool {
    let bytes = s.as_bytes();
    if bytes.len() > MAX_EMAIL_LEN {
        return false;
    }
    let Some(at) = memchr::memrchr(b'@', bytes) else {
        return false;
    };
    let (local, domain) = (&bytes[..at], &bytes[at + 1..]);
    is_local_part(local) && is_domain(domain)
}

fn is_atext(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&b)
}

fn is_local_part(local: &[u8]) -> bool {
    if local.is_empty() || local.len() > MAX_LOCAL_LEN {
        return false;
    }
    local.split(|&b| b == b'.').all(|atom| !atom.is_empty() && atom.iter().all(|&b| is_atext(b)))
}

fn is_domain(domain: &[u8]) -> bool {
    !domain.is_empty() && domain.split(|&b| b == b'.').all(is_label)
}

fn is_label(label: &[u8]) -> bool {
    match (label.first(), label.last()) {
        (Some(first), Some(last)) => {
            label.len() <= MAX_LABEL_LEN
                && first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && label.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-')
        }
        _ => false,
    }
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
