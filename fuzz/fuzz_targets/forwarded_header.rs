//! Arbitrary forwarding headers (`X-Forwarded-For` and RFC 7239
//! `Forwarded`, one field line per input line) from arbitrary peers into
//! the client-address resolution: never a panic; a peer outside the trusted
//! networks is the client whatever the header says; and what a client
//! writes on a line before the ones that named an untrusted client never
//! changes the answer. (tests/rate_limit/client_addr.rs checks the answer
//! itself on headers written as proxies write them.)
#![no_main]

use std::net::IpAddr;
use std::sync::LazyLock;

use apishield::client_addr::{ClientAddr, TrustedProxies};
use libfuzzer_sys::fuzz_target;

static NETWORKS: LazyLock<TrustedProxies> =
    LazyLock::new(|| TrustedProxies::parse(["10.0.0.0/8", "2001:db8:ffff::/48"]).expect("valid networks"));

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let lines: Vec<&[u8]> = rest.split(|b| *b == b'\n').collect();
    let peers: [IpAddr; 3] =
        ["10.0.0.1".parse().expect("ip"), "198.51.100.1".parse().expect("ip"), "2001:db8:ffff::1".parse().expect("ip")];
    let peer = peers[usize::from(selector % 3)];
    let mut configs = vec![NETWORKS.clone(), TrustedProxies::hops(usize::from(selector >> 4))];
    if selector & 8 != 0 {
        configs = configs.into_iter().map(TrustedProxies::forwarded).collect();
    }
    for proxies in &configs {
        let result = proxies.resolve(Some(peer), lines.iter().copied());
        let _ = proxies.resolve(None, lines.iter().copied());
        if proxies == &configs[0] && !proxies.trusts(peer) {
            assert_eq!(result, Ok(ClientAddr::Ip(peer)));
        }
        // An untrusted answer from the networks: a line written before
        // (by the client) never changes it.
        if proxies == &configs[0]
            && let Ok(ClientAddr::Ip(ip)) = &result
            && !proxies.trusts(*ip)
        {
            let mut with_prefix = vec![&b"6.6.6.6, garbage, \"for=\xff"[..]];
            with_prefix.extend(lines.iter().copied());
            assert_eq!(proxies.resolve(Some(peer), with_prefix), result);
        }
    }
});
