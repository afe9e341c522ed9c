//! IP networks in CIDR notation: the addresses of trusted proxies.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An IP network: an address and a prefix length, `10.0.0.0/8` or
/// `2001:db8::/32`. A single address is a network of one (`/32`, `/128`).
///
/// IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`) are the IPv4 address they
/// map, both in a network and in [`contains`](IpNetwork::contains), so a
/// dual-stack listener's peers match IPv4 networks.
///
/// ```
/// use apishield::client_addr::IpNetwork;
///
/// let net: IpNetwork = "10.0.0.0/8".parse()?;
/// assert!(net.contains("10.1.2.3".parse().unwrap()));
/// assert!(net.contains("::ffff:10.1.2.3".parse().unwrap()));
/// assert!(!net.contains("11.0.0.1".parse().unwrap()));
/// assert!("10.0.0.1/8".parse::<IpNetwork>().is_err()); // host bits set: say 10.0.0.0/8
/// # Ok::<(), apishield::client_addr::NetworkError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IpNetwork {
    addr: IpAddr,
    prefix: u8,
}

/// Why a network was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetworkError {
    /// Not an address, or not `address/prefix`.
    Malformed,
    /// A prefix longer than the address (33+ for IPv4, 129+ for IPv6).
    PrefixTooLong,
    /// Bits set after the prefix (`10.0.0.1/8`): ambiguous, write the
    /// network address (`10.0.0.0/8`).
    HostBitsSet,
}

impl fmt::Display for NetworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NetworkError::Malformed => "not an IP network: write `10.0.0.0/8`, `2001:db8::/32` or one address",
            NetworkError::PrefixTooLong => {
                "the prefix is longer than the address (at most /32 for IPv4, /128 for IPv6)"
            }
            NetworkError::HostBitsSet => "bits are set after the prefix: write the network's first address",
        })
    }
}

impl std::error::Error for NetworkError {}

impl IpNetwork {
    /// The network of `addr` with a `prefix`-bit mask.
    pub fn new(addr: IpAddr, prefix: u8) -> Result<IpNetwork, NetworkError> {
        let (addr, prefix) = match addr {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                // `::ffff:a.b.c.d/p` with p >= 96 is the IPv4 network a.b.c.d/(p - 96).
                Some(v4) if prefix >= 96 => (IpAddr::V4(v4), prefix - 96),
                _ => (addr, prefix),
            },
            v4 => (v4, prefix),
        };
        let net = IpNetwork { addr, prefix };
        match addr {
            IpAddr::V4(_) if prefix > 32 => Err(NetworkError::PrefixTooLong),
            IpAddr::V6(_) if prefix > 128 => Err(NetworkError::PrefixTooLong),
            IpAddr::V4(v4) if v4.to_bits() & !mask32(prefix) != 0 => Err(NetworkError::HostBitsSet),
            IpAddr::V6(v6) if v6.to_bits() & !mask128(prefix) != 0 => Err(NetworkError::HostBitsSet),
            _ => Ok(net),
        }
    }

    /// The network's first address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length.
    pub fn prefix_len(&self) -> u8 {
        self.prefix
    }

    /// Whether `ip` is in the network.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => ip.to_bits() & mask32(self.prefix) == net.to_bits(),
            (IpAddr::V6(net), IpAddr::V6(ip)) => ip.to_bits() & mask128(self.prefix) == net.to_bits(),
            _ => false,
        }
    }

    /// The loopback networks, `127.0.0.0/8` and `::1/128`.
    pub const LOOPBACK: [IpNetwork; 2] = [
        IpNetwork { addr: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)), prefix: 8 },
        IpNetwork { addr: IpAddr::V6(Ipv6Addr::LOCALHOST), prefix: 128 },
    ];

    /// The private networks where proxies of one's own usually live:
    /// `10.0.0.0/8`, `172.16.0.0/12`, `192.168.0.0/16` (RFC 1918) and
    /// `fc00::/7` (RFC 4193 unique local addresses).
    pub const PRIVATE: [IpNetwork; 4] = [
        IpNetwork { addr: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0)), prefix: 8 },
        IpNetwork { addr: IpAddr::V4(Ipv4Addr::new(172, 16, 0, 0)), prefix: 12 },
        IpNetwork { addr: IpAddr::V4(Ipv4Addr::new(192, 168, 0, 0)), prefix: 16 },
        IpNetwork { addr: IpAddr::V6(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0)), prefix: 7 },
    ];
}

/// IPv4-mapped IPv6 as the IPv4 address.
pub(crate) fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

fn mask32(prefix: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(prefix.min(32))).unwrap_or(0)
}

fn mask128(prefix: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(prefix.min(128))).unwrap_or(0)
}

impl FromStr for IpNetwork {
    type Err = NetworkError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => {
                let valid = (1..=3).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_digit());
                let prefix: u8 = if valid {
                    prefix.parse().map_err(|_| NetworkError::PrefixTooLong)?
                } else {
                    return Err(NetworkError::Malformed);
                };
                (addr, Some(prefix))
            }
            None => (s, None),
        };
        let addr: IpAddr = addr.parse().map_err(|_| NetworkError::Malformed)?;
        let prefix = prefix.unwrap_or(if addr.is_ipv4() { 32 } else { 128 });
        IpNetwork::new(addr, prefix)
    }
}

impl fmt::Display for IpNetwork {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches_networks() {
        let n = |s: &str| s.parse::<IpNetwork>().unwrap();
        assert!(n("0.0.0.0/0").contains("203.0.113.9".parse().unwrap()));
        assert!(!n("0.0.0.0/0").contains("2001:db8::1".parse().unwrap()));
        assert!(n("::/0").contains("2001:db8::1".parse().unwrap()));
        assert!(n("172.16.0.0/12").contains("172.31.255.255".parse().unwrap()));
        assert!(!n("172.16.0.0/12").contains("172.32.0.0".parse().unwrap()));
        assert!(n("2001:db8::/32").contains("2001:db8:ffff::1".parse().unwrap()));
        assert!(n("203.0.113.7").contains("203.0.113.7".parse().unwrap()));
        assert!(!n("203.0.113.7").contains("203.0.113.8".parse().unwrap()));
        assert_eq!(n("::ffff:10.0.0.0/104"), n("10.0.0.0/8"));
        assert_eq!(n("10.0.0.0/8").to_string(), "10.0.0.0/8");
        assert_eq!(IpNetwork::LOOPBACK[0], n("127.0.0.0/8"));
        assert_eq!(IpNetwork::PRIVATE[3], n("fc00::/7"));
        for (bad, e) in [
            ("10.0.0.0/33", NetworkError::PrefixTooLong),
            ("::/129", NetworkError::PrefixTooLong),
            ("10.0.0.0/999", NetworkError::PrefixTooLong),
            ("10.0.0.1/8", NetworkError::HostBitsSet),
            ("10.0.0.0/", NetworkError::Malformed),
            ("10.0.0.0/+8", NetworkError::Malformed),
            ("10.0.0.0/0008", NetworkError::Malformed),
            ("ten/8", NetworkError::Malformed),
            ("", NetworkError::Malformed),
        ] {
            assert_eq!(bad.parse::<IpNetwork>(), Err(e), "{bad}");
        }
    }
}
