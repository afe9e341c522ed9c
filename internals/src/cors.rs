//! What a CORS policy is checked against, with the words a user reads when a
//! check fails.
//!
//! The `cors!` macro (at compile time) and `CorsPolicy::builder()` (at run
//! time) apply exactly these rules, from this one module: the macro crate and
//! the runtime both depend on this crate (a proc-macro crate cannot depend on
//! the runtime), so the two can never disagree, and say the same words. The
//! runtime shows this module as `apishield::cors::rules`.

use std::net::{Ipv4Addr, Ipv6Addr};

/// The longest origin accepted: `https://`, a 253-byte host, a port.
pub const MAX_ORIGIN_LEN: usize = 300;

/// The largest `max_age` (seconds): Firefox caps the preflight cache at 24 h
/// (Chromium at 2 h), so more is a promise no browser keeps.
pub const MAX_AGE_LIMIT: u64 = 86_400;

/// The methods a policy may allow, in the order of their bits in a method set
/// (`1 << index`).
pub const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/// What an accepted origin is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OriginKind {
    /// `*`: any origin (only without credentials).
    Any,
    /// An `https://` origin.
    Https,
    /// `http://localhost`, `http://127.0.0.1` or `http://[::1]` (with an
    /// optional port), accepted only with `insecure_localhost`.
    Localhost,
}

/// Why an origin was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OriginError {
    /// The empty string.
    Empty,
    /// `null`: sent by sandboxed iframes, `file:` pages and redirects.
    Null,
    /// Longer than [`MAX_ORIGIN_LEN`].
    TooLong,
    /// A space, a control character or a non-ASCII character.
    InvalidCharacter,
    /// A `*` inside an origin (`https://*.example.com`).
    PartialWildcard,
    /// No `scheme://`.
    NoScheme,
    /// A scheme other than `https` (or `http` for localhost).
    UnsupportedScheme,
    /// `http://` for a host that is not the local machine.
    NotHttps,
    /// `http://localhost` without `insecure_localhost`.
    InsecureLocalhost,
    /// A `/` and nothing after it.
    TrailingSlash,
    /// A path.
    Path,
    /// A `?query`.
    Query,
    /// A `#fragment`.
    Fragment,
    /// `user:password@`.
    UserInfo,
    /// Upper-case letters in the scheme or host.
    Uppercase,
    /// `:443` on https, `:80` on http: browsers leave it out.
    DefaultPort,
    /// A port that is empty, not a number, 0, above 65535 or zero-padded.
    InvalidPort,
    /// A host that is no DNS name, IPv4 or bracketed IPv6 address.
    InvalidHost,
    /// An IP address not written the way browsers write it.
    NonCanonicalIp,
    /// `example.com.`: a different origin from `example.com`.
    TrailingDot,
}

/// Checks one allowed origin: `https://host[:port]`, exactly as a browser
/// sends it in the `Origin` header (lowercase, no default port, no path), or
/// `*`; `http://localhost`, `http://127.0.0.1` and `http://[::1]` only with
/// `insecure_localhost`.
pub fn check_origin(origin: &str, insecure_localhost: bool) -> Result<OriginKind, OriginError> {
    if origin == "*" {
        return Ok(OriginKind::Any);
    }
    if origin.is_empty() {
        return Err(OriginError::Empty);
    }
    if origin.eq_ignore_ascii_case("null") {
        return Err(OriginError::Null);
    }
    if origin.len() > MAX_ORIGIN_LEN {
        return Err(OriginError::TooLong);
    }
    if !origin.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(OriginError::InvalidCharacter);
    }
    if origin.contains('*') {
        return Err(OriginError::PartialWildcard);
    }
    let Some((scheme, rest)) = origin.split_once("://") else {
        return Err(OriginError::NoScheme);
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    match tail.as_bytes().first() {
        None => {}
        Some(b'/') if tail == "/" => return Err(OriginError::TrailingSlash),
        Some(b'/') => return Err(OriginError::Path),
        Some(b'?') => return Err(OriginError::Query),
        Some(_) => return Err(OriginError::Fragment),
    }
    if authority.contains('@') {
        return Err(OriginError::UserInfo);
    }
    let secure = match scheme {
        "https" => true,
        "http" => false,
        _ if scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http") => {
            return Err(OriginError::Uppercase);
        }
        _ => return Err(OriginError::UnsupportedScheme),
    };
    let (host, port) = split_host_port(authority)?;
    if let Some(port) = port {
        check_port(port, secure)?;
    }
    check_host(host)?;
    if secure {
        Ok(OriginKind::Https)
    } else if !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
        Err(OriginError::NotHttps)
    } else if insecure_localhost {
        Ok(OriginKind::Localhost)
    } else {
        Err(OriginError::InsecureLocalhost)
    }
}

/// `host` and the text after its `:`, if any (an IPv6 host is bracketed).
fn split_host_port(authority: &str) -> Result<(&str, Option<&str>), OriginError> {
    if authority.starts_with('[') {
        let close = authority.find(']').ok_or(OriginError::InvalidHost)?;
        let (host, after) = authority.split_at(close + 1);
        return match after.strip_prefix(':') {
            Some(port) => Ok((host, Some(port))),
            None if after.is_empty() => Ok((host, None)),
            None => Err(OriginError::InvalidHost),
        };
    }
    Ok(match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    })
}

fn check_port(port: &str, secure: bool) -> Result<(), OriginError> {
    // Browsers write ports without leading zeros, and leave the default out.
    if port.is_empty() || port.len() > 5 || port.starts_with('0') || !port.bytes().all(|b| b.is_ascii_digit()) {
        return Err(OriginError::InvalidPort);
    }
    match port.parse::<u32>() {
        Ok(443) if secure => Err(OriginError::DefaultPort),
        Ok(80) if !secure => Err(OriginError::DefaultPort),
        Ok(1..=65_535) => Ok(()),
        _ => Err(OriginError::InvalidPort),
    }
}

fn check_host(host: &str) -> Result<(), OriginError> {
    if host.bytes().any(|b| b.is_ascii_uppercase()) {
        return Err(OriginError::Uppercase);
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let ip: Ipv6Addr = inner.parse().map_err(|_| OriginError::InvalidHost)?;
        // Browsers write IPv6 hosts compressed (RFC 5952) and never in the
        // dotted form Rust uses for IPv4-mapped addresses.
        let canonical = ip.to_string();
        return if canonical == inner && !canonical.contains('.') { Ok(()) } else { Err(OriginError::NonCanonicalIp) };
    }
    if host.is_empty() || host.len() > 253 {
        return Err(OriginError::InvalidHost);
    }
    if host.ends_with('.') && host.len() > 1 {
        return Err(OriginError::TrailingDot);
    }
    let mut last = "";
    for label in host.split('.') {
        let valid = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_';
        if label.is_empty() || label.len() > 63 || !label.bytes().all(valid) {
            return Err(OriginError::InvalidHost);
        }
        last = label;
    }
    // A host whose last label is a number is an IPv4 address to a browser
    // (`1.2.3` is 1.2.0.3, `0x7f.1` is 127.0.0.1): only the dotted quad that
    // the browser would send is accepted.
    let numeric = last.bytes().all(|b| b.is_ascii_digit()) || last.starts_with("0x");
    if numeric {
        return match host.parse::<Ipv4Addr>() {
            Ok(ip) if ip.to_string() == host => Ok(()),
            _ => Err(OriginError::NonCanonicalIp),
        };
    }
    Ok(())
}

impl OriginError {
    /// What is wrong, in a few words.
    pub fn message(self) -> &'static str {
        match self {
            OriginError::Empty => "empty origin",
            OriginError::Null => "the `null` origin must never be allowed",
            OriginError::TooLong => "origin is too long",
            OriginError::InvalidCharacter => "origin contains a space, a control or a non-ASCII character",
            OriginError::PartialWildcard => "wildcards inside an origin are not supported",
            OriginError::NoScheme => "origin has no scheme",
            OriginError::UnsupportedScheme => "origin is not https",
            OriginError::NotHttps => "origin is plain http",
            OriginError::InsecureLocalhost => "plain-http localhost origin without `insecure_localhost`",
            OriginError::TrailingSlash => "origin ends with a slash",
            OriginError::Path => "origin has a path",
            OriginError::Query => "origin has a query",
            OriginError::Fragment => "origin has a fragment",
            OriginError::UserInfo => "origin has user info",
            OriginError::Uppercase => "origin has upper-case letters",
            OriginError::DefaultPort => "origin spells out its default port",
            OriginError::InvalidPort => "origin has an invalid port",
            OriginError::InvalidHost => "origin has an invalid host",
            OriginError::NonCanonicalIp => "origin's IP address is not written the way browsers write it",
            OriginError::TrailingDot => "origin's host ends with a dot",
        }
    }

    /// The fix, naming the corrected origin when there is one.
    pub fn help(self, origin: &str) -> String {
        let write = |why: &str| match suggest(origin) {
            Some(fixed) => format!("{why}: write \"{fixed}\""),
            None => format!("{why}: write scheme://host[:port], e.g. \"https://app.example.com\""),
        };
        match self {
            OriginError::Empty => "write an origin such as \"https://app.example.com\"".to_owned(),
            OriginError::Null => "sandboxed iframes, `file:` pages and redirects all send `null`, so any site can \
                                  make its requests carry it; list the https origins of your front ends"
                .to_owned(),
            OriginError::TooLong => "an origin is a scheme, a host of at most 253 bytes and a port".to_owned(),
            OriginError::InvalidCharacter => match suggest(origin) {
                Some(fixed) => format!("remove the spaces: write \"{fixed}\""),
                None => "origins are visible ASCII: write an internationalized host in its punycode (`xn--`) \
                         form, as browsers send it"
                    .to_owned(),
            },
            OriginError::PartialWildcard => "list each origin (\"https://a.example.com\", \"https://b.example.com\"): \
                                             a wildcard would also trust any forgotten or taken-over subdomain"
                .to_owned(),
            OriginError::NoScheme => write("browsers send the scheme"),
            OriginError::UnsupportedScheme => {
                "allow https origins only (and http://localhost with `insecure_localhost` during development)"
                    .to_owned()
            }
            OriginError::NotHttps => write(
                "anyone on the network can rewrite a page served over plain http, and it would then act for \
                 your users; serve the front end over https",
            ),
            OriginError::InsecureLocalhost => "for local development, opt in with `insecure_localhost: true` \
                                               (`.insecure_localhost(true)` on the builder); keep it out of \
                                               production"
                .to_owned(),
            OriginError::TrailingSlash
            | OriginError::Path
            | OriginError::Query
            | OriginError::Fragment
            | OriginError::UserInfo => write("browsers send only scheme://host[:port], so this never matches"),
            OriginError::Uppercase => write("browsers send origins in lower case and the match is exact"),
            OriginError::DefaultPort => write("browsers leave the default port out, so this never matches"),
            OriginError::InvalidPort => "a port is a number in 1..=65535 without leading zeros".to_owned(),
            OriginError::InvalidHost => "a host is a DNS name (lower-case letters, digits, `-`, `_`, dots), \
                                         an IPv4 address or a bracketed IPv6 address"
                .to_owned(),
            OriginError::NonCanonicalIp => {
                "write the address in the canonical form browsers send (`127.0.0.1`, `[::1]`), \
                 so that it can match"
                    .to_owned()
            }
            OriginError::TrailingDot => write("`example.com.` is a different origin from `example.com`"),
        }
    }
}

/// The origin a browser would send for what the user probably meant, if it
/// passes the rules: lower case, no user info, path, query, fragment,
/// trailing dot or default port, and https for a non-local http host.
pub fn suggest(origin: &str) -> Option<String> {
    let trimmed = origin.trim();
    let (scheme, rest) = match trimmed.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ("https".to_owned(), trimmed),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let authority = authority.rsplit_once('@').map_or(authority, |(_, host)| host).to_ascii_lowercase();
    let (host, port) = split_host_port(&authority).ok()?;
    let host = host.strip_suffix('.').unwrap_or(host);
    let port = port.filter(|p| !((scheme == "https" && *p == "443") || (scheme == "http" && *p == "80")));
    let local = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    let scheme = if scheme == "http" && !local { "https" } else { scheme.as_str() };
    let fixed = match port {
        Some(port) => format!("{scheme}://{host}:{port}"),
        None => format!("{scheme}://{host}"),
    };
    (fixed != origin && check_origin(&fixed, true).is_ok()).then_some(fixed)
}

/// Why a header name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderNameError {
    /// The empty string.
    Empty,
    /// `*` instead of a list.
    Wildcard,
    /// Not an RFC 9110 token (a space, a colon, a non-ASCII character...).
    NotAToken,
}

/// Checks a header name: an RFC 9110 token (`1*tchar`), and not `*`.
/// Header names are case-insensitive; a policy keeps them in lower case.
pub fn check_header_name(name: &str) -> Result<(), HeaderNameError> {
    if name.is_empty() {
        return Err(HeaderNameError::Empty);
    }
    if name == "*" {
        return Err(HeaderNameError::Wildcard);
    }
    if name.bytes().all(is_tchar) { Ok(()) } else { Err(HeaderNameError::NotAToken) }
}

/// RFC 9110 `tchar`: the characters of a token (a header name, a method).
pub fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

impl HeaderNameError {
    /// What is wrong, in a few words.
    pub fn message(self) -> &'static str {
        match self {
            HeaderNameError::Empty => "empty header name",
            HeaderNameError::Wildcard => "`*` instead of header names",
            HeaderNameError::NotAToken => "not a valid header name",
        }
    }

    /// The fix.
    pub fn help(self) -> &'static str {
        match self {
            HeaderNameError::Empty => "write a header name such as \"Content-Type\"",
            HeaderNameError::Wildcard => {
                "list the header names: browsers ignore `*` on requests with credentials, and it never \
                 covers `Authorization`"
            }
            HeaderNameError::NotAToken => {
                "a header name is an RFC 9110 token: letters, digits and !#$%&'*+-.^_`|~, without spaces \
                 or a colon (write the name only, not `Name: value`)"
            }
        }
    }
}

/// Why a method was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MethodError {
    /// A known method in lower or mixed case (methods are case-sensitive).
    NotUppercase,
    /// `OPTIONS`: the CORS layer answers preflights itself.
    Options,
    /// `CONNECT`, `TRACE`, `TRACK`: browsers never send them.
    ForbiddenByFetch,
    /// Anything else.
    Unknown,
}

/// The bit of an allowed method in a method set (see [`METHODS`]).
pub fn check_method(name: &str) -> Result<u8, MethodError> {
    if let Some(index) = METHODS.iter().position(|m| *m == name) {
        return Ok(1 << index);
    }
    let upper = name.to_ascii_uppercase();
    if upper != name && METHODS.contains(&upper.as_str()) {
        return Err(MethodError::NotUppercase);
    }
    match upper.as_str() {
        "OPTIONS" => Err(MethodError::Options),
        "CONNECT" | "TRACE" | "TRACK" => Err(MethodError::ForbiddenByFetch),
        _ => Err(MethodError::Unknown),
    }
}

impl MethodError {
    /// What is wrong, in a few words.
    pub fn message(self) -> &'static str {
        match self {
            MethodError::NotUppercase => "methods are case-sensitive",
            MethodError::Options => "`OPTIONS` need not be allowed",
            MethodError::ForbiddenByFetch => "browsers never send this method",
            MethodError::Unknown => "unknown method",
        }
    }

    /// The fix.
    pub fn help(self, name: &str) -> String {
        match self {
            MethodError::NotUppercase => format!("write `{}`", name.to_ascii_uppercase()),
            MethodError::Options => {
                "remove it: the CORS layer answers preflight OPTIONS requests itself; list the methods your \
                 routes serve"
                    .to_owned()
            }
            MethodError::ForbiddenByFetch | MethodError::Unknown => {
                format!("remove it; the methods a policy may allow are {}", METHODS.join(", "))
            }
        }
    }
}

/// Checks `max_age` (seconds): at most [`MAX_AGE_LIMIT`].
pub fn check_max_age(seconds: u64) -> Result<u32, PolicyError> {
    match u32::try_from(seconds) {
        Ok(s) if seconds <= MAX_AGE_LIMIT => Ok(s),
        _ => Err(PolicyError::MaxAgeTooLarge),
    }
}

/// A mistake in the policy as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyError {
    /// `*` with credentials.
    WildcardWithCredentials,
    /// `*` next to other origins.
    WildcardNotAlone,
    /// No origins.
    NoOrigins,
    /// No methods.
    NoMethods,
    /// The same origin, method or header twice.
    Duplicate,
    /// `max_age` above [`MAX_AGE_LIMIT`].
    MaxAgeTooLarge,
}

impl PolicyError {
    /// What is wrong, in a few words.
    pub fn message(self) -> &'static str {
        match self {
            PolicyError::WildcardWithCredentials => "the `*` origin together with credentials",
            PolicyError::WildcardNotAlone => "`*` together with other origins",
            PolicyError::NoOrigins => "no origins",
            PolicyError::NoMethods => "no methods",
            PolicyError::Duplicate => "listed twice",
            PolicyError::MaxAgeTooLarge => "max_age is above 86400 seconds",
        }
    }

    /// The fix.
    pub fn help(self) -> &'static str {
        match self {
            PolicyError::WildcardWithCredentials => {
                "browsers refuse credentials for `*`, and echoing every Origin instead would let any site act \
                 as your users: list the allowed origins, or set credentials to false for a public API"
            }
            PolicyError::WildcardNotAlone => "`*` already allows every origin: keep either [\"*\"] or the list",
            PolicyError::NoOrigins => "list the front ends that may call this API: [\"https://app.example.com\"]",
            PolicyError::NoMethods => "list the methods your routes serve: [GET, POST]",
            PolicyError::Duplicate => "remove the second one",
            PolicyError::MaxAgeTooLarge => {
                "browsers cap the preflight cache (Firefox at 86400 s, Chromium at 7200 s): use at most 86400, \
                 e.g. 3600"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepted_origins() {
        for origin in [
            "https://app.example.com",
            "https://app.example.com:8443",
            "https://localhost",
            "https://xn--bcher-kva.example",
            "https://my_host.example.com",
            "https://192.168.0.10",
            "https://[2001:db8::1]:8443",
            "https://a",
        ] {
            assert_eq!(check_origin(origin, false), Ok(OriginKind::Https), "{origin}");
        }
        for origin in ["http://localhost", "http://localhost:3000", "http://127.0.0.1:8080", "http://[::1]:5173"] {
            assert_eq!(check_origin(origin, true), Ok(OriginKind::Localhost), "{origin}");
            assert_eq!(check_origin(origin, false), Err(OriginError::InsecureLocalhost), "{origin}");
        }
        assert_eq!(check_origin("*", false), Ok(OriginKind::Any));
    }

    #[test]
    fn refused_origins() {
        use OriginError::*;
        let long = format!("https://{}.com", "a".repeat(300));
        for (origin, error) in [
            ("", Empty),
            ("null", Null),
            ("NULL", Null),
            (long.as_str(), TooLong),
            ("https://app.example.com ", InvalidCharacter),
            ("https://bücher.example", InvalidCharacter),
            ("https://*.example.com", PartialWildcard),
            ("app.example.com", NoScheme),
            ("https:app.example.com", NoScheme),
            ("ftp://app.example.com", UnsupportedScheme),
            ("chrome-extension://abcdef", UnsupportedScheme),
            ("http://app.example.com", NotHttps),
            ("http://localhost.example.com", NotHttps),
            ("https://app.example.com/", TrailingSlash),
            ("https://app.example.com/app", Path),
            ("https://app.example.com?x=1", Query),
            ("https://app.example.com#top", Fragment),
            ("https://user:pw@app.example.com", UserInfo),
            ("HTTPS://app.example.com", Uppercase),
            ("https://App.example.com", Uppercase),
            ("https://app.example.com:443", DefaultPort),
            ("http://localhost:80", DefaultPort),
            ("https://app.example.com:", InvalidPort),
            ("https://app.example.com:0", InvalidPort),
            ("https://app.example.com:08443", InvalidPort),
            ("https://app.example.com:65536", InvalidPort),
            ("https://app.example.com:99999999999", InvalidPort),
            ("https://app.example.com:x", InvalidPort),
            ("https://", InvalidHost),
            ("https://:8443", InvalidHost),
            ("https://app..example.com", InvalidHost),
            ("https://.example.com", InvalidHost),
            ("https://a%41.example.com", InvalidHost),
            ("https://[2001:db8::1", InvalidHost),
            ("https://[2001:db8::1]x", InvalidHost),
            ("https://[not-ip]", InvalidHost),
            ("https://127.1", NonCanonicalIp),
            ("https://010.0.0.1", NonCanonicalIp),
            ("https://0x7f.0.0.1", NonCanonicalIp),
            ("https://1.2.3.4.5", NonCanonicalIp),
            ("https://[2001:DB8::1]", Uppercase),
            ("https://[2001:db8:0:0:0:0:0:1]", NonCanonicalIp),
            ("https://[::ffff:1.2.3.4]", NonCanonicalIp),
            ("https://app.example.com.", TrailingDot),
        ] {
            assert_eq!(check_origin(origin, true), Err(error), "{origin}");
        }
    }

    #[test]
    fn suggestions_pass_the_rules() {
        for (origin, fixed) in [
            ("https://app.example.com/", "https://app.example.com"),
            (" https://app.example.com ", "https://app.example.com"),
            ("https://App.Example.com/path?q#f", "https://app.example.com"),
            ("HTTPS://user@app.example.com:443", "https://app.example.com"),
            ("app.example.com", "https://app.example.com"),
            ("http://app.example.com:8080", "https://app.example.com:8080"),
            ("http://localhost:3000/", "http://localhost:3000"),
            ("https://app.example.com.", "https://app.example.com"),
        ] {
            assert_eq!(suggest(origin).as_deref(), Some(fixed), "{origin}");
        }
        assert_eq!(suggest("https://app.example.com"), None);
        assert_eq!(suggest("https://a b"), None);
    }

    #[test]
    fn header_names_and_methods() {
        assert_eq!(check_header_name("X-RateLimit-Remaining"), Ok(()));
        assert_eq!(check_header_name(""), Err(HeaderNameError::Empty));
        assert_eq!(check_header_name("*"), Err(HeaderNameError::Wildcard));
        for bad in ["Content Type", "X-Api-Key:", "Authorization: Bearer", "é", "a\nb"] {
            assert_eq!(check_header_name(bad), Err(HeaderNameError::NotAToken), "{bad}");
        }
        assert_eq!(check_method("GET"), Ok(1));
        assert_eq!(check_method("DELETE"), Ok(32));
        assert_eq!(check_method("get"), Err(MethodError::NotUppercase));
        assert_eq!(check_method("OPTIONS"), Err(MethodError::Options));
        assert_eq!(check_method("TRACE"), Err(MethodError::ForbiddenByFetch));
        assert_eq!(check_method("PURGE"), Err(MethodError::Unknown));
        assert_eq!(check_max_age(86_400), Ok(86_400));
        assert_eq!(check_max_age(86_401), Err(PolicyError::MaxAgeTooLarge));
        assert_eq!(check_max_age(u64::MAX), Err(PolicyError::MaxAgeTooLarge));
    }
}
