//! Property tests of the client-address resolution behind proxies
//! (`X-Forwarded-For` and RFC 7239 `Forwarded`):
//!
//! * nothing panics, whatever the bytes, peers, networks and hop counts;
//! * a peer outside the trusted networks is the client, whatever the header;
//! * a header written as proxies write it (a client, then trusted proxies,
//!   each in any of the forms: with a port, bracketed, quoted) resolves to
//!   exactly the client, never to a trusted address when the header names
//!   an untrusted one, and to the leftmost hop when every hop is trusted;
//! * whatever a client writes before the proxies' entries never changes the
//!   answer, or (a `Forwarded` line the client broke) makes it an error,
//!   never another address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use apishield::client_addr::{ClientAddr, IpNetwork, TrustedProxies};
use proptest::prelude::*;

fn trusted() -> TrustedProxies {
    TrustedProxies::parse(["10.0.0.0/8", "192.168.0.0/16", "2001:db8:ffff::/48"]).unwrap()
}

fn trusted_ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 3]>().prop_map(|[a, b, c]| IpAddr::V4(Ipv4Addr::new(10, a, b, c))),
        any::<[u8; 2]>().prop_map(|[a, b]| IpAddr::V4(Ipv4Addr::new(192, 168, a, b))),
        any::<u64>().prop_map(|low| IpAddr::V6(Ipv6Addr::from((0x2001_0db8_ffff_u128 << 80) | u128::from(low)))),
    ]
}

/// Any address: mostly outside the trusted networks, sometimes inside.
fn any_ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        4 => any::<u32>().prop_map(|v| IpAddr::V4(Ipv4Addr::from(v))),
        3 => any::<u128>().prop_map(|v| IpAddr::V6(Ipv6Addr::from(v))),
        2 => trusted_ip(),
    ]
}

fn untrusted_ip() -> impl Strategy<Value = IpAddr> {
    any_ip().prop_filter("outside the trusted networks", |ip| !trusted().trusts(*ip))
}

/// How a proxy may write one hop in `X-Forwarded-For`.
fn xff_form(ip: IpAddr, form: u8, port: u16) -> String {
    match (ip, form % 4) {
        (IpAddr::V4(v4), 0 | 2) => v4.to_string(),
        (IpAddr::V4(v4), _) => format!("{v4}:{port}"),
        (IpAddr::V6(v6), 0) => v6.to_string(),
        (IpAddr::V6(v6), 1) => format!("[{v6}]"),
        (IpAddr::V6(v6), _) => format!("[{v6}]:{port}"),
    }
}

/// How a proxy may write one hop in `Forwarded`.
fn forwarded_form(ip: IpAddr, form: u8, port: u16) -> String {
    let node = match (ip, form % 3) {
        (IpAddr::V4(v4), 0) => return format!("for={v4}"),
        (IpAddr::V4(v4), 1) => format!("{v4}:{port}"),
        (IpAddr::V4(v4), _) => v4.to_string(),
        (IpAddr::V6(v6), 0) => format!("[{v6}]"),
        (IpAddr::V6(v6), _) => format!("[{v6}]:{port}"),
    };
    let extra = if form.is_multiple_of(2) { ";proto=https" } else { "" };
    format!("for=\"{node}\"{extra}")
}

/// Hops split into field lines at `breaks`, joined with `sep` (", " or ",").
fn lines(hops: &[String], breaks: &[bool], sep: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    for (i, hop) in hops.iter().enumerate() {
        let last = out.last_mut().unwrap();
        if !last.is_empty() {
            last.push_str(sep);
        }
        last.push_str(hop);
        if breaks.get(i).copied().unwrap_or(false) && i + 1 < hops.len() {
            out.push(String::new());
        }
    }
    out
}

fn resolve(proxies: &TrustedProxies, peer: Option<IpAddr>, lines: &[impl AsRef<[u8]>]) -> Result<ClientAddr, String> {
    proxies.resolve(peer, lines.iter().map(AsRef::as_ref)).map_err(|e| e.to_string())
}

fn networks() -> impl Strategy<Value = Vec<IpNetwork>> {
    let v4 = (any::<u32>(), 0u8..=32).prop_map(|(a, p)| {
        let masked = if p == 0 { 0 } else { a & (u32::MAX << (32 - u32::from(p))) };
        IpNetwork::new(IpAddr::V4(Ipv4Addr::from(masked)), p).unwrap()
    });
    let v6 = (any::<u128>(), 0u8..=128).prop_map(|(a, p)| {
        let masked = if p == 0 { 0 } else { a & (u128::MAX << (128 - u32::from(p))) };
        IpNetwork::new(IpAddr::V6(Ipv6Addr::from(masked)), p).unwrap()
    });
    prop::collection::vec(prop_oneof![v4, v6], 0..4)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics_and_an_untrusted_peer_is_the_client(
        raw in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..4),
        text in prop::collection::vec("[0-9a-fA-F:.,;=\"\\[\\]_ forunkwn]{0,40}", 0..4),
        peer in prop::option::of(any_ip()),
        nets in networks(),
        hops in 0usize..4,
        rfc in any::<bool>(),
    ) {
        let mut configs = vec![TrustedProxies::networks(nets.clone()), TrustedProxies::hops(hops), trusted()];
        if rfc {
            configs = configs.into_iter().map(TrustedProxies::forwarded).collect();
        }
        for proxies in &configs {
            for lines in [raw.iter().map(|l| l.as_slice()).collect::<Vec<_>>(), text.iter().map(|l| l.as_bytes()).collect()] {
                let result = proxies.resolve(peer, lines.iter().copied());
                if let Some(peer) = peer && nets.iter().all(|n| !n.contains(peer)) && proxies == &configs[0] {
                    prop_assert_eq!(result, Ok(ClientAddr::Ip(peer)));
                } else if peer.is_none() && proxies != &configs[1] {
                    prop_assert_eq!(result, Ok(ClientAddr::Unknown));
                }
            }
        }
    }

    #[test]
    fn headers_as_proxies_write_them_resolve_to_the_client(
        client in untrusted_ip(),
        chain in prop::collection::vec(trusted_ip(), 0..5),
        peer in trusted_ip(),
        forms in prop::collection::vec((any::<u8>(), 1u16..), 6),
        breaks in prop::collection::vec(any::<bool>(), 6),
        tight in any::<bool>(),
    ) {
        let sep = if tight { "," } else { ", " };
        let hops: Vec<IpAddr> = std::iter::once(client).chain(chain.iter().copied()).collect();
        let xff: Vec<String> = hops.iter().zip(&forms).map(|(ip, (f, p))| xff_form(*ip, *f, *p)).collect();
        let rfc: Vec<String> = hops.iter().zip(&forms).map(|(ip, (f, p))| forwarded_form(*ip, *f, *p)).collect();
        let want = Ok(ClientAddr::Ip(client));
        prop_assert_eq!(&resolve(&trusted(), Some(peer), &lines(&xff, &breaks, sep)), &want);
        prop_assert_eq!(&resolve(&trusted().forwarded(), Some(peer), &lines(&rfc, &breaks, sep)), &want);
        // The old hop count finds it too, when it is told how many proxies appended.
        prop_assert_eq!(&resolve(&TrustedProxies::hops(hops.len() - chain.len()), Some(peer), &lines(&xff[..1], &[], sep)), &want);
        prop_assert_eq!(&resolve(&TrustedProxies::hops(chain.len() + 1), None, &lines(&xff, &breaks, sep)), &want);
    }

    #[test]
    fn a_trusted_address_is_never_the_answer_when_an_untrusted_one_is_named(
        hops in prop::collection::vec(any_ip(), 1..8),
        peer in trusted_ip(),
        forms in prop::collection::vec((any::<u8>(), 1u16..), 8),
        rfc in any::<bool>(),
    ) {
        let proxies = if rfc { trusted().forwarded() } else { trusted() };
        let written: Vec<String> = hops.iter().zip(&forms).map(|(ip, (f, p))| {
            if rfc { forwarded_form(*ip, *f, *p) } else { xff_form(*ip, *f, *p) }
        }).collect();
        let got = resolve(&proxies, Some(peer), &lines(&written, &[], ", "));
        let rightmost_untrusted = hops.iter().rev().find(|ip| !proxies.trusts(**ip));
        match rightmost_untrusted {
            Some(ip) => prop_assert_eq!(got, Ok(ClientAddr::Ip(*ip))),
            None => prop_assert_eq!(got, Ok(ClientAddr::Ip(hops[0]))),
        }
    }

    #[test]
    fn what_a_client_writes_first_never_changes_the_answer(
        client in untrusted_ip(),
        chain in prop::collection::vec(trusted_ip(), 0..3),
        peer in trusted_ip(),
        written in prop::collection::vec(any::<u8>(), 0..80),
        spoofed in any_ip(),
    ) {
        let proxy_part = |rfc: bool| -> Vec<String> {
            std::iter::once(client).chain(chain.iter().copied())
                .map(|ip| if rfc { forwarded_form(ip, 0, 1) } else { xff_form(ip, 0, 1) })
                .collect()
        };
        let want = Ok(ClientAddr::Ip(client));
        // X-Forwarded-For: the proxy appends to the client's line, or adds its own.
        let xff = proxy_part(false).join(", ");
        let mut same_line = written.clone();
        same_line.extend_from_slice(b", ");
        same_line.extend_from_slice(xff.as_bytes());
        prop_assert_eq!(&resolve(&trusted(), Some(peer), &[same_line]), &want);
        prop_assert_eq!(&resolve(&trusted(), Some(peer), &[written.clone(), xff.clone().into_bytes()]), &want);
        let spoof = format!("{spoofed}, {xff}");
        prop_assert_eq!(&resolve(&trusted(), Some(peer), &[spoof]), &want);
        // Forwarded: on a line of its own the proxies' part is read as written;
        // appended to a line the client broke, it is an error, never another address.
        let rfc = proxy_part(true).join(", ");
        prop_assert_eq!(&resolve(&trusted().forwarded(), Some(peer), &[written.clone(), rfc.clone().into_bytes()]), &want);
        let mut same_line = written;
        same_line.extend_from_slice(b", ");
        same_line.extend_from_slice(rfc.as_bytes());
        let got = resolve(&trusted().forwarded(), Some(peer), &[same_line]);
        prop_assert!(got == want || got.is_err(), "{:?}", got);
    }
}

#[test]
fn a_malformed_entry_is_an_error_not_the_proxy() {
    let peer = Some("10.0.0.1".parse().unwrap());
    for line in ["garbage", "unknown", "203.0.113.5:99999", "[2001:db8::1", ", ,", "", "203.0.113.5 10.0.0.2"] {
        assert!(resolve(&trusted(), peer, &[line]).is_err(), "{line:?}");
    }
    for line in ["for=garbage", "for=unknown", "proto=https", "for=\"203.0.113.5", "for=203.0.113.5:80"] {
        assert!(resolve(&trusted().forwarded(), peer, &[line]).is_err(), "{line:?}");
    }
}
