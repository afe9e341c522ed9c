//! Transport: HTTPS, security headers, CORS, HSTS.

use super::{Cx, distinct, list, routes};
use crate::audit::checklist::{Finding, Item};
use crate::audit::rules::{Rule, missing_headers};
use crate::audit::view;

pub(super) fn transport(cx: &Cx<'_>) -> Vec<Finding> {
    vec![https(cx), headers(cx), cors(cx), hsts(cx)]
}

const SAFE_DEFAULTS: &str = "call `.safe_defaults(SafeDefaults::new(cors! {..}))` on the Routes after these routes";

fn https(cx: &Cx<'_>) -> Finding {
    let (concerned, scan) = cx.scan(
        Some(&Rule::Https),
        cx.all(),
        |e| view::https(e).is_none(),
        "add the HTTPS layer after these routes (it refuses or redirects plain HTTP), or refuse plain HTTP at \
         the proxy",
    );
    let modes: Vec<&str> = distinct(cx.all().filter_map(view::https));
    let evidence = format!(
        "run time: plain HTTP {} on {} of {}, HSTS only on HTTPS answers. TLS 1.2+ is the TLS terminator's \
         setting (rustls: 1.2 and 1.3 only)",
        if modes.is_empty() {
            "not refused".to_owned()
        } else {
            modes.iter().map(|m| past(m)).collect::<Vec<_>>().join(" or ")
        },
        concerned - scan.at_fault.len(),
        routes(concerned),
    );
    Finding::from_routes(Item::Https, concerned, scan, evidence)
}

fn headers(cx: &Cx<'_>) -> Finding {
    let (concerned, scan) = cx.scan(
        Some(&Rule::SafeDefaults),
        cx.all(),
        |e| view::defaults(e).is_none_or(|d| !missing_headers(d.headers).is_empty()),
        SAFE_DEFAULTS,
    );
    let sets: Vec<String> =
        distinct(cx.all().filter_map(view::defaults).map(|d| d.headers)).iter().map(|h| h.join(" ")).collect();
    let missing: Vec<&str> = distinct(cx.all().filter_map(view::defaults).flat_map(|d| missing_headers(d.headers)));
    let mut evidence =
        format!("run time (SafeDefaults): {}", if sets.is_empty() { "none set".to_owned() } else { sets.join("; ") });
    if !missing.is_empty() {
        evidence.push_str(&format!("; missing: {}", missing.join(", ")));
    }
    Finding::from_routes(Item::SecurityHeaders, concerned, scan, evidence)
}

fn cors(cx: &Cx<'_>) -> Finding {
    let (concerned, scan) =
        cx.scan(Some(&Rule::SafeDefaults), cx.all(), |e| view::defaults(e).is_none(), SAFE_DEFAULTS);
    let policies: Vec<String> = distinct(cx.all().filter_map(view::defaults).map(|d| d.cors))
        .iter()
        .map(|c| {
            format!(
                "origins {}, methods {}, credentials {}",
                c.origins.join(" "),
                c.methods.join(" "),
                if c.credentials { "yes" } else { "no" }
            )
        })
        .collect();
    let evidence = format!(
        "compile time: cors! refuses `*` with credentials, `null` and plain-http origins. run time: {}",
        list(&policies)
    );
    Finding::from_routes(Item::Cors, concerned, scan, evidence)
}

fn hsts(cx: &Cx<'_>) -> Finding {
    let (concerned, scan) = cx.scan(
        Some(&Rule::SafeDefaults),
        cx.all(),
        |e| view::defaults(e).is_none_or(|d| d.hsts.is_none()),
        "keep Strict-Transport-Security in the SafeDefaults' security headers",
    );
    let values: Vec<String> =
        distinct(cx.all().filter_map(view::defaults).filter_map(|d| d.hsts)).iter().map(|v| (*v).to_owned()).collect();
    let evidence = format!("run time (SafeDefaults): Strict-Transport-Security: {}", list(&values));
    Finding::from_routes(Item::Hsts, concerned, scan, evidence)
}

/// `refused` of `refuse`, `redirected` of `redirect`.
fn past(mode: &str) -> String {
    if mode.ends_with('e') { format!("{mode}d") } else { format!("{mode}ed") }
}
