//! The forwarding headers, hop by hop: `X-Forwarded-For` entries and the
//! `for=` parameter of RFC 7239 `Forwarded` elements, read from the raw
//! bytes of each field line.
//!
//! Nothing here decides whom to trust: the walk in the parent module does.
//! These functions only say what one hop names, and never panic on any
//! input.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What one hop of a forwarding header names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    /// An address (its port, if any, dropped).
    Ip(IpAddr),
    /// An RFC 7239 obfuscated identifier, `_` and letters, digits, `.`, `_`
    /// or `-` (`Forwarded` only).
    Obfuscated(Box<str>),
    /// `unknown`: the proxy does not know whom it forwards for.
    Unknown,
    /// Anything else, or an element without `for=`, or a line that does not
    /// parse.
    Invalid,
}

/// Optional whitespace of HTTP (RFC 9110 `OWS`).
fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

fn trim_ows(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s
        && is_ows(*first)
    {
        s = rest;
    }
    while let [rest @ .., last] = s
        && is_ows(*last)
    {
        s = rest;
    }
    s
}

/// The non-empty entries of one `X-Forwarded-For` line, right to left.
/// Empty list elements (`a, , b`) are skipped, as RFC 9110 asks of lists.
pub(crate) fn xff_entries_rev(line: &[u8]) -> impl Iterator<Item = Node> + '_ {
    line.rsplit(|b| *b == b',').map(trim_ows).filter(|e| !e.is_empty()).map(|e| node(e, Syntax::ForwardedFor))
}

/// Which header's node syntax applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Syntax {
    /// `X-Forwarded-For`: bare IPv6 allowed (`2001:db8::1`), no
    /// obfuscated identifiers.
    ForwardedFor,
    /// RFC 7239: IPv6 only in brackets, obfuscated identifiers allowed.
    Forwarded,
}

/// One hop: `203.0.113.5`, `203.0.113.5:1234`, `[2001:db8::1]`,
/// `[2001:db8::1]:443`, `unknown`, and (X-Forwarded-For) `2001:db8::1` or
/// (Forwarded) `_hidden`, `_hidden:_port`.
fn node(text: &[u8], syntax: Syntax) -> Node {
    let Ok(text) = std::str::from_utf8(text) else { return Node::Invalid };
    if let Some(rest) = text.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else { return Node::Invalid };
        if !(after.is_empty() || after.strip_prefix(':').is_some_and(|p| is_port(p, syntax))) {
            return Node::Invalid;
        }
        // Brackets hold IPv6 only; a zone (`%eth0`) does not parse.
        return inside.parse::<Ipv6Addr>().map_or(Node::Invalid, |ip| Node::Ip(IpAddr::V6(ip)));
    }
    if syntax == Syntax::ForwardedFor
        && text.bytes().filter(|b| *b == b':').count() >= 2
        && let Ok(ip) = text.parse::<Ipv6Addr>()
    {
        return Node::Ip(IpAddr::V6(ip));
    }
    let name = match text.split_once(':') {
        Some((name, port)) if is_port(port, syntax) => name,
        Some(_) => return Node::Invalid,
        None => text,
    };
    if let Ok(ip) = name.parse::<Ipv4Addr>() {
        return Node::Ip(IpAddr::V4(ip));
    }
    if name.eq_ignore_ascii_case("unknown") {
        return Node::Unknown;
    }
    if syntax == Syntax::Forwarded && is_obfuscated(name) {
        return Node::Obfuscated(name.into());
    }
    Node::Invalid
}

/// `node-port`: 1 to 5 digits up to 65535, or (Forwarded) an obfuscated
/// port.
fn is_port(port: &str, syntax: Syntax) -> bool {
    let digits =
        (1..=5).contains(&port.len()) && port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().is_ok();
    digits || (syntax == Syntax::Forwarded && is_obfuscated(port))
}

/// RFC 7239 `obfnode` / `obfport`: `_` then 1+ of ALPHA, DIGIT, `.`, `_`, `-`.
fn is_obfuscated(s: &str) -> bool {
    s.strip_prefix('_').is_some_and(|rest| {
        !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    })
}

/// RFC 9110 `tchar`.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// The `for=` node of every element of one `Forwarded` line, left to right
/// (`Node::Invalid` for an element without `for=`), or `None` when the line
/// does not follow RFC 7239's grammar (a token or quoted-string per value,
/// pairs split by `;`, elements by `,`, one `for` per element). The line is
/// read from the left, as a quoted string may hold a comma; whitespace
/// around `,` and `;` is allowed.
pub(crate) fn forwarded_elements(line: &[u8]) -> Option<Vec<Node>> {
    let mut elements = Vec::new();
    let mut pos = 0;
    // The current element: whether it has a pair, and its `for` value.
    let mut has_pair = false;
    let mut for_value: Option<String> = None;
    loop {
        while line.get(pos).is_some_and(|b| is_ows(*b)) {
            pos += 1;
        }
        match line.get(pos) {
            None | Some(b',') => {
                if has_pair {
                    elements.push(for_value.take().map_or(Node::Invalid, |v| node(v.as_bytes(), Syntax::Forwarded)));
                }
                has_pair = false;
                if pos >= line.len() {
                    return Some(elements);
                }
                pos += 1;
                continue;
            }
            Some(b';') => {
                pos += 1;
                continue;
            }
            Some(_) => {}
        }
        let name_start = pos;
        while line.get(pos).is_some_and(|b| is_tchar(*b)) {
            pos += 1;
        }
        let name = &line[name_start..pos];
        if name.is_empty() || line.get(pos) != Some(&b'=') {
            return None;
        }
        pos += 1;
        let value = if line.get(pos) == Some(&b'"') {
            let (value, end) = quoted_string(line, pos)?;
            pos = end;
            value
        } else {
            let start = pos;
            while line.get(pos).is_some_and(|b| is_tchar(*b)) {
                pos += 1;
            }
            // tchars are ASCII.
            String::from_utf8(line[start..pos].to_vec()).ok().filter(|v| !v.is_empty())?
        };
        while line.get(pos).is_some_and(|b| is_ows(*b)) {
            pos += 1;
        }
        if !matches!(line.get(pos), None | Some(b',' | b';')) {
            return None;
        }
        has_pair = true;
        if name.eq_ignore_ascii_case(b"for") {
            if for_value.is_some() {
                return None; // RFC 7239: a parameter at most once per element
            }
            for_value = Some(value);
        }
    }
}

/// A quoted-string starting at `line[start] == '"'`: its unescaped
/// content and the position after the closing quote. Only visible ASCII,
/// space and tab inside (no obs-text: a node is ASCII).
fn quoted_string(line: &[u8], start: usize) -> Option<(String, usize)> {
    let mut out = String::new();
    let mut pos = start + 1;
    loop {
        let b = *line.get(pos)?;
        match b {
            b'"' => return Some((out, pos + 1)),
            b'\\' => {
                let escaped = *line.get(pos + 1)?;
                if !(escaped == b'\t' || (b' '..=b'~').contains(&escaped)) {
                    return None;
                }
                out.push(char::from(escaped));
                pos += 2;
            }
            b'\t' | b' '..=b'~' => {
                out.push(char::from(b));
                pos += 1;
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Node {
        Node::Ip(s.parse().unwrap())
    }

    #[test]
    fn forwarded_for_entries_lose_their_ports() {
        let entries: Vec<Node> =
            xff_entries_rev(b" 203.0.113.5:1234 ,, [2001:db8::1]:443,2001:db8::2 , [2001:db8::3], 10.0.0.1").collect();
        assert_eq!(
            entries,
            [ip("10.0.0.1"), ip("2001:db8::3"), ip("2001:db8::2"), ip("2001:db8::1"), ip("203.0.113.5")]
        );
        for bad in [
            "not-an-ip",
            "203.0.113.5:",
            "203.0.113.5:123456",
            "203.0.113.5:65536",
            "[2001:db8::1",
            "[10.0.0.1]",
            "fe80::1%eth0",
        ] {
            assert_eq!(xff_entries_rev(bad.as_bytes()).collect::<Vec<_>>(), [Node::Invalid], "{bad}");
        }
        assert_eq!(xff_entries_rev(b"unknown").collect::<Vec<_>>(), [Node::Unknown]);
        assert_eq!(xff_entries_rev(b"_hidden").collect::<Vec<_>>(), [Node::Invalid]);
        assert_eq!(xff_entries_rev(b" , ").count(), 0);
    }

    #[test]
    fn forwarded_elements_follow_rfc_7239() {
        let line = br#"for=192.0.2.43, for="[2001:db8:cafe::17]:4711";proto=https, by=203.0.113.43;for=198.51.100.17 ; host="a,b", for=_hidden, for="_x:_p", for=unknown, proto=http"#;
        assert_eq!(
            forwarded_elements(line).unwrap(),
            [
                ip("192.0.2.43"),
                ip("2001:db8:cafe::17"),
                ip("198.51.100.17"),
                Node::Obfuscated("_hidden".into()),
                Node::Obfuscated("_x".into()),
                Node::Unknown,
                Node::Invalid,
            ]
        );
        assert_eq!(forwarded_elements(br#"For="\[2001:db8::1\]""#).unwrap(), [ip("2001:db8::1")]);
        for bad in [
            &br#"for="192.0.2.1"#[..],
            b"for=192.0.2.1;for=192.0.2.2",
            b"for=",
            b"=1.2.3.4",
            b"for 1.2.3.4",
            b"for=1.2.3.4 x",
            b"for=[2001:db8::1]",
            b"for=\"a\"b",
            b"for=\"\xff\"",
        ] {
            assert_eq!(forwarded_elements(bad), None, "{}", String::from_utf8_lossy(bad));
        }
        // An unquoted IPv6 is not a token: the grammar refuses it; a bare one in quotes is no node.
        assert_eq!(forwarded_elements(br#"for="2001:db8::1""#).unwrap(), [Node::Invalid]);
        assert_eq!(forwarded_elements(b"").unwrap(), []);
        assert_eq!(forwarded_elements(b" , ;").unwrap(), []);
    }
}
