//! The example as a user starts it: the `orders_api` binary in a process
//! of its own. Its banner's token and `curl`-able routes work, and Ctrl-C
//! (SIGINT) shuts it down cleanly. `cargo test` builds examples beside the
//! tests; run alone (`--test flagship`), the binary may be missing, and the
//! test says it skipped.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Kills the example if the test fails before its Ctrl-C.
struct Guard(Option<std::process::Child>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(child) = &mut self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `target/<profile>/examples/orders_api`, beside this test's own binary
/// (`target/<profile>/deps/flagship-<hash>`).
fn example_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.parent()?.parent()?.join("examples").join("orders_api");
    path.exists().then_some(path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_example_binary_serves_what_its_banner_says_and_stops_on_ctrl_c() {
    let Some(binary) = example_binary() else {
        eprintln!(
            "SKIPPED the_example_binary_serves_what_its_banner_says_and_stops_on_ctrl_c: the orders_api example is \
             not built (cargo test builds it; or cargo build --example orders_api)"
        );
        return;
    };
    let mut child = Command::new(binary)
        .env("ORDERS_API_ADDR", "127.0.0.1:0")
        .env("ORDERS_API_OPS_ADDR", "127.0.0.1:0")
        .env_remove("REDIS_URL")
        .env_remove("ORDERS_API_ORIGINS")
        .env_remove("ORDERS_API_WEBHOOK_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the example");
    let stdout = child.stdout.take().expect("stdout");
    let mut child = Guard(Some(child));
    // The banner, up to its last line.
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if lines_tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut banner = Vec::new();
    while let Ok(line) = lines_rx.recv_timeout(Duration::from_secs(30)) {
        let done = line.starts_with("Ctrl-C");
        banner.push(line);
        if done {
            break;
        }
    }
    let value = |prefix: &str| {
        banner
            .iter()
            .find_map(|l| l.trim().strip_prefix(prefix).map(str::to_owned))
            .unwrap_or_else(|| panic!("no `{prefix}` in the banner: {banner:#?}"))
    };
    let base = value("orders_api listening on ");
    let token = value("TOKEN=");
    let key = value("API_KEY=");
    assert!(value("WEBHOOK_SECRET=").starts_with("whsec_"));
    assert!(banner.iter().any(|l| l.contains("curl -i")), "{banner:#?}");

    let http = reqwest::Client::new();
    let health = http.get(format!("{base}/health")).send().await.expect("health");
    assert_eq!(health.status(), 200);
    let created = http
        .post(format!("{base}/orders"))
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json")
        .header("idempotency-key", "banner-order")
        .body(r#"{"item":"coffee","quantity":2,"unit_price_cents":450}"#)
        .send()
        .await
        .expect("order");
    assert_eq!(created.status(), 201);
    let read = http.get(format!("{base}/orders/1")).header("authorization", format!("ApiKey {key}")).send().await;
    assert_eq!(read.expect("read").status(), 200, "the printed key reads the printed token's order");

    // The metrics, on the ops listener the banner names: a refused request counted.
    let metrics = value("metrics: ");
    let metrics = metrics.split_whitespace().next().expect("the metrics URL");
    assert!(metrics.starts_with("http://127.0.0.1:"), "{metrics}");
    let refused = http.get(format!("{base}/orders/1")).header("authorization", "Bearer not-a-token").send().await;
    assert_eq!(refused.expect("refused").status(), 401);
    let scraped = http.get(metrics).send().await.expect("scrape").text().await.expect("metrics text");
    assert!(
        scraped.lines().any(|l| l.starts_with("apishield_auth_decisions_total{") && l.contains(r#"outcome="refused""#)),
        "{scraped}"
    );

    // Ctrl-C.
    let mut process = child.0.take().expect("the child");
    let interrupted = Command::new("kill").args(["-INT", &process.id().to_string()]).status().expect("kill -INT");
    assert!(interrupted.success());
    let status = tokio::task::spawn_blocking(move || process.wait()).await.expect("wait").expect("exit status");
    assert!(status.success(), "{status:?}");
    // Until the pipe closes: the process has exited.
    let rest: Vec<String> = lines_rx.iter().collect();
    assert!(rest.iter().any(|l| l.contains("shutting down")), "{rest:?}");
}
