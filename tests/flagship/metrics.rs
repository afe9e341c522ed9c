//! The service's Prometheus metrics: apishield's counters on the ops
//! listener, scraped over loopback after refused requests; never a
//! credential or a rejected value in them; the ops address loopback unless
//! configured, and never a wildcard.

use apishield_examples::orders_api::{self, Config};

use crate::support::{start, test_config};

/// The value of the series of `name` whose labels include every one of `labels`.
fn value(scraped: &str, name: &str, labels: &[(&str, &str)]) -> Option<u64> {
    scraped.lines().filter(|l| l.starts_with(&format!("{name}{{"))).find_map(|line| {
        let (series, value) = line.rsplit_once(' ')?;
        labels.iter().all(|(k, v)| series.contains(&format!("{k}=\"{v}\""))).then(|| value.parse().ok())?
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ops_listener_serves_the_counters_of_refused_requests() {
    let instance = start(&test_config()).await;
    let base = format!("http://{}", instance.addr);
    let ops = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let ops_addr = ops.local_addr().expect("ops address");
    // Installed before the requests, as `main` does.
    let handle = orders_api::metrics::recorder().expect("the process's recorder");
    tokio::spawn(orders_api::metrics::serve_ops(ops, handle, std::future::pending()));

    // Refused: a credential in the query string, a header that is no credential.
    const SECRET: &str = "sk-live-NotARealKeyButSecret0123456789abcdef";
    let http = reqwest::Client::new();
    let in_query = http.get(format!("{base}/orders/1?api_key={SECRET}")).send().await.expect("request");
    assert_eq!(in_query.status(), 400);
    let garbled = http.get(format!("{base}/orders/1")).header("authorization", format!("Basic {SECRET}"));
    assert_eq!(garbled.send().await.expect("request").status(), 401);

    let scrape = http.get(format!("http://{ops_addr}/metrics")).send().await.expect("scrape");
    assert_eq!(scrape.status(), 200);
    let content_type = scrape.headers()["content-type"].to_str().expect("ascii").to_owned();
    assert!(content_type.starts_with("text/plain; version=0.0.4"), "{content_type}");
    let scraped = scrape.text().await.expect("text");
    // Other tests of this process count too: at least ours.
    let in_query = [("outcome", "refused"), ("reason", "credential_in_query"), ("scheme", "query")];
    assert!(value(&scraped, "apishield_auth_decisions_total", &in_query) >= Some(1), "{scraped}");
    let garbled = [("outcome", "refused"), ("reason", "unsupported_scheme"), ("scheme", "unknown")];
    assert!(value(&scraped, "apishield_auth_decisions_total", &garbled) >= Some(1), "{scraped}");
    assert!(scraped.contains("# HELP apishield_auth_decisions_total"), "described: {scraped}");
    assert!(!scraped.contains("NotARealKey"), "a credential in the metrics: {scraped}");
}

#[test]
fn the_ops_address_is_loopback_unless_configured_and_never_a_wildcard() {
    assert!(Config::development().expect("config").ops_addr.ip().is_loopback());
    assert!(orders_api::metrics::check_ops_addr("0.0.0.0:9464".parse().expect("address")).is_err());
}
