//! Who the client is: the peer address, or, behind proxies you trust, the
//! address they report in `X-Forwarded-For` or RFC 7239 `Forwarded`.
//!
//! A client can write anything into these headers, so they are read only
//! when the connection comes from a proxy you trust, and only as far as
//! your proxies wrote them: [`TrustedProxies`] walks the entries from the
//! right (the one the nearest proxy appended) and skips addresses inside
//! your proxies' networks; the first address outside them is the client.
//! The [`RateLimitLayer`](crate::axum::RateLimitLayer) and
//! [`AuthenticationLayer`](crate::axum::AuthenticationLayer) (feature `axum`)
//! both resolve the client this way, each with the `TrustedProxies` it is
//! given.
//!
//! | peer | header | client |
//! | --- | --- | --- |
//! | not a trusted proxy | anything | the peer: the header is not read |
//! | trusted | absent | the peer (a request the proxy made itself) |
//! | trusted | `198.51.100.7, 203.0.113.5, 10.0.0.2` with `10.0.0.0/8` trusted | `203.0.113.5` |
//! | trusted | only trusted addresses | the leftmost of them (an internal client) |
//! | trusted | `for=_hidden` (an RFC 7239 obfuscated identifier) | [`ClientAddr::Obfuscated`] |
//! | trusted | the entry to read is malformed, `unknown`, or the header is empty | [`ForwardedError`]: the layers answer 400 |
//! | unknown (no `ConnectInfo`) | anything | [`ClientAddr::Unknown`] |
//!
//! Why a malformed header is an error and not the peer: the peer is your
//! proxy, and keying by it would put every client behind the proxy into one
//! budget, so one abusive client could exhaust everybody's. The entry that
//! is read was written by your own proxy, so a malformed one is a
//! misconfiguration to be seen (a 400 and a warning in the logs), not
//! something a client can cause: what a client writes further left is
//! never reached.
//!
//! ```
//! use apishield::client_addr::{ClientAddr, TrustedProxies};
//!
//! let proxies = TrustedProxies::parse(["10.0.0.0/8"])?;
//! let peer = Some("10.0.0.2".parse().unwrap());
//! let client = proxies.resolve(peer, [&b"6.6.6.6, 203.0.113.5:4711, 10.0.0.7"[..]]);
//! assert_eq!(client, Ok(ClientAddr::Ip("203.0.113.5".parse().unwrap())));
//!
//! // A peer outside the trusted networks: its header is not read.
//! let direct = proxies.resolve(Some("198.51.100.1".parse().unwrap()), [&b"1.2.3.4"[..]]);
//! assert_eq!(direct, Ok(ClientAddr::Ip("198.51.100.1".parse().unwrap())));
//!
//! // RFC 7239 instead of X-Forwarded-For.
//! let rfc = TrustedProxies::parse(["10.0.0.0/8"])?.forwarded();
//! let client = rfc.resolve(peer, [&br#"for="[2001:db8::7]:443";proto=https"#[..]]);
//! assert_eq!(client, Ok(ClientAddr::Ip("2001:db8::7".parse().unwrap())));
//! # Ok::<(), apishield::client_addr::NetworkError>(())
//! ```

mod network;
mod parse;

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

pub use network::{IpNetwork, NetworkError};
use parse::Node;

use crate::rate_limit::RateLimitKey;

/// Whom a request comes from, as far as the server can tell.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ClientAddr {
    /// An address: the peer's, or one a trusted proxy reported.
    Ip(IpAddr),
    /// An RFC 7239 obfuscated identifier (`for=_hidden`) that a trusted
    /// proxy reported instead of an address.
    Obfuscated(Box<str>),
    /// No address: the server was not given the peer address (serve with
    /// `into_make_service_with_connect_info::<SocketAddr>()`).
    Unknown,
}

impl ClientAddr {
    /// The address, if there is one.
    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            ClientAddr::Ip(ip) => Some(*ip),
            _ => None,
        }
    }

    /// The rate-limit key of this client ([`RateLimitKey::client_ip`] for an
    /// address), `None` when unknown.
    pub fn rate_limit_key(&self) -> Option<RateLimitKey> {
        match self {
            ClientAddr::Ip(ip) => Some(RateLimitKey::client_ip(*ip)),
            ClientAddr::Obfuscated(id) => Some(RateLimitKey::obfuscated_client(id)),
            ClientAddr::Unknown => None,
        }
    }
}

/// Why the forwarding header could not name the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ForwardedError {
    /// The entry to read (or, for `Forwarded`, its line) does not parse.
    Malformed,
    /// The entry to read is `unknown`: the proxy does not know the client.
    Unknown,
    /// The header is there but holds no entry.
    Empty,
    /// Fewer entries than the configured [`hops`](TrustedProxies::hops).
    TooFewEntries,
}

impl ForwardedError {
    /// A stable code for logs and metrics.
    pub const fn code(&self) -> &'static str {
        match self {
            ForwardedError::Malformed => "malformed",
            ForwardedError::Unknown => "unknown_client",
            ForwardedError::Empty => "empty",
            ForwardedError::TooFewEntries => "too_few_entries",
        }
    }
}

impl fmt::Display for ForwardedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ForwardedError::Malformed => "the forwarding header's client entry is malformed",
            ForwardedError::Unknown => "the forwarding header says the client is unknown",
            ForwardedError::Empty => "the forwarding header is empty",
            ForwardedError::TooFewEntries => "the forwarding header has fewer entries than trusted proxies",
        })
    }
}

impl std::error::Error for ForwardedError {}

/// The header a [`TrustedProxies`] reads. Only one: a proxy that writes
/// one of them passes the other through as the client wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, proxy2` (the default).
    #[default]
    XForwardedFor,
    /// RFC 7239 `Forwarded: for=client, for=proxy1;proto=https`.
    Forwarded,
}

impl ForwardedHeader {
    /// The header's name, lowercase.
    pub const fn name(&self) -> &'static str {
        match self {
            ForwardedHeader::XForwardedFor => "x-forwarded-for",
            ForwardedHeader::Forwarded => "forwarded",
        }
    }

    /// The header's name, ready for a header-map lookup (a `&str` is parsed
    /// on every lookup).
    #[cfg(feature = "http")]
    pub(crate) fn header_name(&self) -> http::HeaderName {
        const X_FORWARDED_FOR: http::HeaderName = http::HeaderName::from_static("x-forwarded-for");
        match self {
            ForwardedHeader::XForwardedFor => X_FORWARDED_FOR,
            ForwardedHeader::Forwarded => http::header::FORWARDED,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum Trust {
    /// The peer is the client.
    #[default]
    Nobody,
    /// Proxies in these networks.
    Networks(Arc<[IpNetwork]>),
    /// So many proxies, each appending one entry, whoever the peer is.
    Hops(usize),
}

/// Which proxies may tell the server the client's address, and in which
/// header. See the [module](self) for the rules.
///
/// The default trusts nobody: the peer address is the client, whatever the
/// headers say. [`networks`](Self::networks) (or [`parse`](Self::parse))
/// is the way to trust proxies; [`hops`](Self::hops) is the older, weaker
/// way that cannot check the peer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    trust: Trust,
    header: ForwardedHeader,
}

impl TrustedProxies {
    /// Nobody: the peer address is the client (the default).
    pub fn none() -> TrustedProxies {
        TrustedProxies::default()
    }

    /// Proxies whose addresses are in `networks`: the header is read only
    /// when the peer is in one of them, and walked from the right past
    /// every address in them.
    pub fn networks(networks: impl IntoIterator<Item = IpNetwork>) -> TrustedProxies {
        let networks: Arc<[IpNetwork]> = networks.into_iter().collect();
        let trust = if networks.is_empty() { Trust::Nobody } else { Trust::Networks(networks) };
        TrustedProxies { trust, header: ForwardedHeader::default() }
    }

    /// [`networks`](Self::networks) from CIDR strings (`"10.0.0.0/8"`,
    /// `"2001:db8::/32"`, or one address).
    pub fn parse<S: AsRef<str>>(networks: impl IntoIterator<Item = S>) -> Result<TrustedProxies, NetworkError> {
        let networks = networks.into_iter().map(|s| s.as_ref().parse()).collect::<Result<Vec<IpNetwork>, _>>()?;
        Ok(TrustedProxies::networks(networks))
    }

    /// The server sits behind exactly `proxies` proxies that each append
    /// one entry: the client is the entry `proxies` from the right. The
    /// peer is not checked (anyone who reaches the server directly can
    /// choose the entry), so prefer [`networks`](Self::networks). `0` is
    /// [`none`](Self::none).
    pub fn hops(proxies: usize) -> TrustedProxies {
        let trust = if proxies == 0 { Trust::Nobody } else { Trust::Hops(proxies) };
        TrustedProxies { trust, header: ForwardedHeader::default() }
    }

    /// Reads RFC 7239 `Forwarded` instead of `X-Forwarded-For`.
    #[must_use]
    pub fn forwarded(mut self) -> TrustedProxies {
        self.header = ForwardedHeader::Forwarded;
        self
    }

    /// Reads `header`.
    #[must_use]
    pub fn header(mut self, header: ForwardedHeader) -> TrustedProxies {
        self.header = header;
        self
    }

    /// The header read.
    pub fn get_header(&self) -> ForwardedHeader {
        self.header
    }

    /// Whether `ip` is in a trusted network.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        match &self.trust {
            Trust::Networks(networks) => networks.iter().any(|n| n.contains(ip)),
            Trust::Nobody | Trust::Hops(_) => false,
        }
    }

    /// The client of a request from `peer` whose forwarding header (the one
    /// [`get_header`](Self::get_header) names) has the field lines `lines`,
    /// raw, in order. Never panics, whatever the bytes.
    pub fn resolve<'a>(
        &self,
        peer: Option<IpAddr>,
        lines: impl IntoIterator<Item = &'a [u8]>,
    ) -> Result<ClientAddr, ForwardedError> {
        let peer_addr = peer.map_or(ClientAddr::Unknown, ClientAddr::Ip);
        let read = match (&self.trust, peer) {
            (Trust::Nobody, _) => false,
            (Trust::Hops(_), _) => true,
            (Trust::Networks(_), Some(peer)) => self.trusts(peer),
            // Without the peer there is no telling whether a proxy wrote the header.
            (Trust::Networks(_), None) => false,
        };
        if !read {
            return Ok(peer_addr);
        }
        let lines: Vec<&[u8]> = lines.into_iter().collect();
        if lines.is_empty() {
            return Ok(peer_addr);
        }
        match self.header {
            ForwardedHeader::XForwardedFor => {
                self.walk(lines.iter().rev().flat_map(|line| parse::xff_entries_rev(line)))
            }
            ForwardedHeader::Forwarded => self.walk(lines.iter().rev().flat_map(|line| {
                // A line that does not parse is one entry that cannot be read.
                parse::forwarded_elements(line).unwrap_or_else(|| vec![Node::Invalid]).into_iter().rev()
            })),
        }
    }

    /// The client of `headers` from `peer`: [`resolve`](Self::resolve)
    /// over the configured header's field lines.
    #[cfg(feature = "http")]
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    pub fn resolve_headers(
        &self,
        peer: Option<IpAddr>,
        headers: &http::HeaderMap,
    ) -> Result<ClientAddr, ForwardedError> {
        self.resolve(peer, headers.get_all(self.header.header_name()).iter().map(http::HeaderValue::as_bytes))
    }

    /// Walks the header's entries, right to left, past the proxies.
    fn walk(&self, mut entries: impl Iterator<Item = Node>) -> Result<ClientAddr, ForwardedError> {
        let client = |node: Node| match node {
            Node::Ip(ip) => Ok(ClientAddr::Ip(ip)),
            Node::Obfuscated(id) => Ok(ClientAddr::Obfuscated(id)),
            Node::Unknown => Err(ForwardedError::Unknown),
            Node::Invalid => Err(ForwardedError::Malformed),
        };
        match &self.trust {
            Trust::Hops(proxies) => {
                for _ in 1..*proxies {
                    match entries.next() {
                        None => return Err(ForwardedError::TooFewEntries),
                        Some(Node::Invalid) => return Err(ForwardedError::Malformed),
                        Some(_) => {}
                    }
                }
                match entries.next() {
                    Some(node) => client(node),
                    None if *proxies == 1 => Err(ForwardedError::Empty),
                    None => Err(ForwardedError::TooFewEntries),
                }
            }
            Trust::Networks(_) | Trust::Nobody => {
                let mut leftmost_trusted = None;
                for node in entries {
                    match node {
                        Node::Ip(ip) if self.trusts(ip) => leftmost_trusted = Some(ip),
                        node => return client(node),
                    }
                }
                // Every hop is a proxy of ours: the request started inside.
                leftmost_trusted.map(ClientAddr::Ip).ok_or(ForwardedError::Empty)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> ClientAddr {
        ClientAddr::Ip(s.parse().unwrap())
    }

    fn peer(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn the_walk_stops_at_the_first_untrusted_hop() {
        let p = TrustedProxies::parse(["10.0.0.0/8", "2001:db8:ffff::/48"]).unwrap();
        let r = |lines: &[&str]| p.resolve(peer("10.0.0.1"), lines.iter().map(|l| l.as_bytes()));
        assert_eq!(r(&["6.6.6.6, 203.0.113.5", "10.0.0.9, [2001:db8:ffff::1]:443"]), Ok(ip("203.0.113.5")));
        assert_eq!(r(&["10.1.1.1, 10.2.2.2"]), Ok(ip("10.1.1.1")));
        assert_eq!(r(&[]), Ok(ip("10.0.0.1")));
        assert_eq!(r(&["1.2.3.4, garbage, 10.0.0.3"]), Err(ForwardedError::Malformed));
        assert_eq!(r(&["unknown"]), Err(ForwardedError::Unknown));
        assert_eq!(r(&[""]), Err(ForwardedError::Empty));
        assert_eq!(r(&[" , "]), Err(ForwardedError::Empty));
        // Bytes that are not UTF-8 to the left of the client are never read.
        assert_eq!(p.resolve(peer("10.0.0.1"), [&b"\xff\xfe, 203.0.113.5"[..]]), Ok(ip("203.0.113.5")));
        // An untrusted peer's header is not read; no peer, no header either.
        assert_eq!(p.resolve(peer("198.51.100.1"), [&b"1.2.3.4"[..]]), Ok(ip("198.51.100.1")));
        assert_eq!(p.resolve(None, [&b"1.2.3.4"[..]]), Ok(ClientAddr::Unknown));
        // A dual-stack listener's IPv4-mapped peer is the IPv4 proxy.
        assert_eq!(p.resolve(peer("::ffff:10.0.0.1"), [&b"203.0.113.5"[..]]), Ok(ip("203.0.113.5")));
    }

    #[test]
    fn forwarded_lines_are_walked_the_same_way() {
        let p = TrustedProxies::parse(["10.0.0.0/8"]).unwrap().forwarded();
        let r = |lines: &[&str]| p.resolve(peer("10.0.0.1"), lines.iter().map(|l| l.as_bytes()));
        assert_eq!(r(&[r#"for=6.6.6.6, for="[2001:db8::1]:80";proto=https"#, "for=10.0.0.5"]), Ok(ip("2001:db8::1")));
        assert_eq!(r(&["for=_a1b2"]), Ok(ClientAddr::Obfuscated("_a1b2".into())));
        assert_eq!(r(&["for=unknown"]), Err(ForwardedError::Unknown));
        assert_eq!(r(&["proto=https"]), Err(ForwardedError::Malformed));
        // A client's broken line to the left of the proxies' line is never reached.
        assert_eq!(r(&[r#"for="6.6.6.6"#, "for=203.0.113.5"]), Ok(ip("203.0.113.5")));
        assert_eq!(r(&[r#"for="6.6.6.6, for=203.0.113.5"#]), Err(ForwardedError::Malformed));
        // X-Forwarded-For is not read when Forwarded is configured.
        let headers = [&b"for=203.0.113.5"[..]];
        assert_eq!(
            TrustedProxies::parse(["10.0.0.0/8"]).unwrap().resolve(peer("10.0.0.1"), headers),
            Err(ForwardedError::Malformed)
        );
    }

    #[test]
    fn hops_count_from_the_right_without_looking_at_the_peer() {
        let p = TrustedProxies::hops(2);
        let r = |lines: &[&str]| p.resolve(peer("198.51.100.1"), lines.iter().map(|l| l.as_bytes()));
        assert_eq!(r(&["6.6.6.6, 203.0.113.7", "10.0.0.2"]), Ok(ip("203.0.113.7")));
        assert_eq!(r(&["203.0.113.7:999, 10.0.0.2"]), Ok(ip("203.0.113.7")));
        assert_eq!(r(&["10.0.0.2"]), Err(ForwardedError::TooFewEntries));
        assert_eq!(r(&["x, 10.0.0.2"]), Err(ForwardedError::Malformed));
        assert_eq!(r(&[]), Ok(ip("198.51.100.1")));
        assert_eq!(TrustedProxies::hops(1).resolve(None, [&b""[..]]), Err(ForwardedError::Empty));
        assert_eq!(TrustedProxies::hops(0), TrustedProxies::none());
        assert_eq!(TrustedProxies::none().resolve(peer("10.0.0.1"), [&b"1.2.3.4"[..]]), Ok(ip("10.0.0.1")));
    }
}
