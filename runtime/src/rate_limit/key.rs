//! Whom a limit counts: typed keys and their fingerprints.

use std::fmt;
use std::hash::{BuildHasher, Hash, Hasher};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use sha2::{Digest, Sha256};
use siphasher::sip128::SipHasher13;

/// Longest id kept verbatim in a key, in bytes; longer ids are hashed.
pub(crate) const MAX_ID_LEN: usize = 128;

/// Whom a request is counted against: a principal, an API key, or a client
/// address.
///
/// Keys are typed and rendered with their kind as a prefix (`principal:`,
/// `apikey:`, `ip:`), so a user whose id is `203.0.113.7` never shares a
/// budget with the client at that address. The rendered form is what the
/// memory limiter hashes and what the Redis limiter puts in its key names.
///
/// A key carries a 128-bit fingerprint of its rendered form, a SipHash-1-3
/// keyed with random keys drawn once per process: the memory limiter stores
/// and compares fingerprints, never strings, so a check neither hashes nor
/// reads the key text, and nobody can aim two keys at one fingerprint
/// without knowing the process's keys (by chance, two of a million keys
/// share one with a probability below 10^-26).
///
/// Two rules keep an attacker from choosing the size or the number of keys:
///
/// * an id longer than 128 bytes is replaced by its SHA-256
///   (`principal#<hex>`), so no request can make a key (or a Redis key
///   name) large;
/// * an IPv6 client is counted by its /64 network: one subscriber usually
///   holds a whole /64, and counting single addresses would hand it 2^64
///   budgets. IPv4-mapped IPv6 addresses count as the IPv4 address.
///   [`RateLimitKey::client_ip_exact`] opts out.
///
/// ```
/// use std::net::IpAddr;
/// use apishield::rate_limit::RateLimitKey;
///
/// assert_eq!(RateLimitKey::principal("user-42").as_str(), "principal:user-42");
/// assert_eq!(RateLimitKey::api_key("key_7Hq").as_str(), "apikey:key_7Hq");
/// let v6: IpAddr = "2001:db8:1:2:aaaa:bbbb:cccc:dddd".parse().unwrap();
/// assert_eq!(RateLimitKey::client_ip(v6).as_str(), "ip:2001:db8:1:2::/64");
/// let v4: IpAddr = "::ffff:203.0.113.7".parse().unwrap();
/// assert_eq!(RateLimitKey::client_ip(v4).as_str(), "ip:203.0.113.7");
/// ```
#[derive(Clone)]
pub struct RateLimitKey {
    rendered: Box<str>,
    fingerprint: Fingerprint,
}

/// A key's fingerprint: `lo` addresses a shard's map, `hi` picks the shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fingerprint {
    pub(crate) lo: u64,
    pub(crate) hi: u64,
}

impl Hash for Fingerprint {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.lo);
    }
}

fn fingerprint(rendered: &str) -> Fingerprint {
    static HASHER: OnceLock<SipHasher13> = OnceLock::new();
    let hasher = HASHER.get_or_init(|| {
        let (k0, k1) = random_keys();
        SipHasher13::new_with_keys(k0, k1)
    });
    let (lo, hi) = hasher.hash(rendered.as_bytes()).as_u64();
    Fingerprint { lo, hi }
}

/// Keys for the fingerprints, from the OS; should it fail, from std's own
/// randomly seeded hasher (also seeded by the OS, with its own fallbacks).
fn random_keys() -> (u64, u64) {
    let mut bytes = [0u8; 16];
    if getrandom::fill(&mut bytes).is_ok() {
        let (a, b) = bytes.split_at(8);
        let word = |s: &[u8]| s.iter().fold(0u64, |acc, &x| (acc << 8) | u64::from(x));
        return (word(a), word(b));
    }
    let state = std::hash::RandomState::new();
    (state.hash_one(0x5eed_u64), state.hash_one(0xface_u64))
}

impl PartialEq for RateLimitKey {
    fn eq(&self, other: &Self) -> bool {
        self.rendered == other.rendered
    }
}

impl Eq for RateLimitKey {}

impl Hash for RateLimitKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.rendered.hash(state);
    }
}

impl RateLimitKey {
    /// An id of your choosing for an authenticated caller (a user or
    /// service id, a tenant). Ids of several identity providers can collide:
    /// for a [`Principal`](crate::Principal) use [`caller`](Self::caller).
    pub fn principal(id: impl AsRef<str>) -> RateLimitKey {
        RateLimitKey::with_kind("principal", id.as_ref())
    }

    /// An authenticated caller, by its (issuer, subject) identity
    /// ([`Principal::caller`](crate::Principal::caller)): users `42` of two
    /// identity providers have two budgets.
    pub fn caller(caller: crate::auth::Caller<'_>) -> RateLimitKey {
        let mut rendered = String::with_capacity(16 + caller.subject().len() + caller.issuer().map_or(0, str::len));
        rendered.push_str("caller:");
        caller.write_key(&mut rendered);
        if rendered.len() - "caller:".len() <= MAX_ID_LEN {
            RateLimitKey::from_rendered(rendered)
        } else {
            RateLimitKey::with_kind("caller", &rendered["caller:".len()..])
        }
    }

    /// An API key, by its public id (never the secret).
    pub fn api_key(key_id: impl AsRef<str>) -> RateLimitKey {
        RateLimitKey::with_kind("apikey", key_id.as_ref())
    }

    /// A client address: IPv4 as is, IPv6 by its /64 network, IPv4-mapped
    /// IPv6 as the IPv4 address. Use the address the server saw, or one a
    /// trusted proxy reported; a client-supplied `X-Forwarded-For` lets a
    /// client choose its own key.
    pub fn client_ip(ip: IpAddr) -> RateLimitKey {
        match canonical(ip) {
            IpAddr::V4(v4) => {
                let mut rendered = String::with_capacity(18);
                rendered.push_str("ip:");
                push_ipv4(&mut rendered, v4);
                RateLimitKey::from_rendered(rendered)
            }
            IpAddr::V6(v6) => {
                let net = Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX));
                RateLimitKey::from_rendered(format!("ip:{net}/64"))
            }
        }
    }

    /// A client address counted exactly, IPv6 included (IPv4-mapped IPv6
    /// still counts as the IPv4 address).
    pub fn client_ip_exact(ip: IpAddr) -> RateLimitKey {
        RateLimitKey::from_rendered(format!("ip:{}", canonical(ip)))
    }

    /// A client that a trusted proxy named by an RFC 7239 obfuscated
    /// identifier (`for=_hidden`): `client:_hidden`.
    pub(crate) fn obfuscated_client(id: &str) -> RateLimitKey {
        RateLimitKey::with_kind("client", id)
    }

    /// `key` in a namespace of its own, `<scope>/<key>`: a budget that
    /// never meets the unscoped key's in a limiter both use (no kind
    /// contains `/`). The authentication layer counts refused credentials
    /// under `authfail/`, so a limiter shared with the rate-limit layer
    /// never mixes them with requests.
    pub fn scoped(scope: &str, key: &RateLimitKey) -> RateLimitKey {
        let mut rendered = String::with_capacity(scope.len() + 1 + key.rendered.len());
        rendered.push_str(scope);
        rendered.push('/');
        rendered.push_str(&key.rendered);
        RateLimitKey::from_rendered(rendered)
    }

    fn with_kind(kind: &str, id: &str) -> RateLimitKey {
        let rendered = if id.len() <= MAX_ID_LEN {
            let mut s = String::with_capacity(kind.len() + 1 + id.len());
            s.push_str(kind);
            s.push(':');
            s.push_str(id);
            s
        } else {
            let digest = Sha256::digest(id.as_bytes());
            format!("{kind}#{}", hex::encode(&digest[..]))
        };
        RateLimitKey::from_rendered(rendered)
    }

    fn from_rendered(rendered: String) -> RateLimitKey {
        RateLimitKey { fingerprint: fingerprint(&rendered), rendered: rendered.into_boxed_str() }
    }

    #[inline]
    pub(crate) fn fingerprint(&self) -> Fingerprint {
        self.fingerprint
    }

    /// The rendered key, kind prefix included. It contains the id: treat it
    /// as you treat user ids in logs.
    pub fn as_str(&self) -> &str {
        &self.rendered
    }
}

/// `a.b.c.d`, as `Ipv4Addr`'s `Display` writes it, without the formatting
/// machinery: a key is rendered on every request (written by hand for
/// speed; the property test below holds it to `Display`).
fn push_ipv4(out: &mut String, ip: Ipv4Addr) {
    for (i, octet) in ip.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        if octet >= 100 {
            out.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            out.push(char::from(b'0' + octet / 10 % 10));
        }
        out.push(char::from(b'0' + octet % 10));
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

impl fmt::Debug for RateLimitKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RateLimitKey").field(&self.rendered).finish()
    }
}

impl fmt::Display for RateLimitKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rendered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The hand-written renderings are the formatted ones they replace
        /// (stored keys, Redis names and logs must not change).
        #[test]
        fn renderings_match_the_formatted_ones(bits: u32, scope in "[a-z]{1,8}", subject in "[ -~]{0,80}", issuer in proptest::option::of("[ -~]{0,80}")) {
            let ip = Ipv4Addr::from(bits);
            let key = RateLimitKey::client_ip(IpAddr::V4(ip));
            proptest::prop_assert_eq!(key.as_str(), format!("ip:{ip}"));
            proptest::prop_assert_eq!(key.fingerprint(), fingerprint(&format!("ip:{ip}")));
            let scoped = RateLimitKey::scoped(&scope, &key);
            proptest::prop_assert_eq!(scoped.as_str(), format!("{scope}/ip:{ip}"));
            let caller = match issuer.as_deref() {
                Some(issuer) => crate::auth::Caller::external(issuer, &subject),
                None => crate::auth::Caller::home(&subject),
            };
            proptest::prop_assert_eq!(RateLimitKey::caller(caller), RateLimitKey::with_kind("caller", &caller.key()));
        }
    }

    #[test]
    fn kinds_never_collide() {
        let id = "203.0.113.7";
        let keys =
            [RateLimitKey::principal(id), RateLimitKey::api_key(id), RateLimitKey::client_ip(id.parse().unwrap())];
        for (i, a) in keys.iter().enumerate() {
            for b in &keys[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn long_ids_are_hashed_and_stay_distinct() {
        let long = "x".repeat(10_000);
        let k = RateLimitKey::principal(&long);
        assert!(k.as_str().starts_with("principal#"));
        assert_eq!(k.as_str().len(), "principal#".len() + 64);
        assert_ne!(k, RateLimitKey::principal(format!("{long}y")));
        assert_ne!(k, RateLimitKey::api_key(&long));
        // Exactly at the limit: kept verbatim.
        let edge = "y".repeat(MAX_ID_LEN);
        assert_eq!(RateLimitKey::principal(&edge).as_str(), format!("principal:{edge}"));
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let a = RateLimitKey::client_ip("2001:db8::1".parse().unwrap());
        let b = RateLimitKey::client_ip("2001:db8::ffff:1".parse().unwrap());
        let c = RateLimitKey::client_ip("2001:db8:0:1::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        let exact = RateLimitKey::client_ip_exact("2001:db8::1".parse().unwrap());
        assert_eq!(exact.as_str(), "ip:2001:db8::1");
        assert_eq!(RateLimitKey::client_ip("10.0.0.1".parse().unwrap()).as_str(), "ip:10.0.0.1");
    }
}
