//! Load: `GET /orders/{id}` of the orders_api example with every layer,
//! against the same route in bare axum, over real HTTP on loopback.
//!
//! * `bare`: axum alone; the handler reads the same in-memory store and
//!   answers the same JSON (`axum::Json` of a plain struct);
//! * `bare_safe_defaults`: the bare route behind `SafeDefaults` only (request
//!   id, security headers, HTTPS policy, CORS, body limit);
//! * `full_jwt`: the orders_api service (request id, security headers,
//!   HTTPS policy, CORS, body limit, RS256 JWT authentication, the rate
//!   limit of the caller's tier, the ownership check, `SecureJson`);
//! * `full_api_key`: the same, authenticated by an API key.
//!
//! The servers run on a one-thread runtime pinned to CPU 0; the client is
//! `wrk` (one thread, 8 connections) pinned to CPU 1 with `taskset`. Runs
//! alternate (bare, safe defaults, JWT, key, bare, ...), 3 rounds of 5 seconds each
//! (`ORDERS_API_BENCH_SECS`, `ORDERS_API_BENCH_ROUNDS`; `ORDERS_API_BENCH_ONLY`
//! names one stack to run beside bare, to profile it); the medians are
//! printed with their ratios to bare axum, with the server thread's CPU time
//! per request (from `/proc`), the figure least disturbed by other work on
//! the machine.
//!
//! ```text
//! cargo bench -p apishield-benches --bench orders_api
//! ```

use std::net::SocketAddr;
use std::process::Command;
use std::time::Duration;

use apishield::axum::{HttpsLayer, SafeDefaults};
use apishield::cors::CorsPolicy;
use apishield::rate_limit::{Algorithm, RateLimitPolicy, Window};
use apishield_examples::orders_api::routes::orders::OrderRecord;
use apishield_examples::orders_api::store::Data;
use apishield_examples::orders_api::{self, Config};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;

/// The bare route's answer: the same fields as the service's `Order`.
#[derive(Serialize)]
struct BareOrder {
    id: u64,
    user_id: String,
    item: String,
    quantity: u32,
    total_cents: u64,
    note: Option<String>,
    status: String,
}

async fn bare_order(State(data): State<Data>, Path(id): Path<u64>) -> Result<axum::Json<BareOrder>, StatusCode> {
    let record: OrderRecord = data
        .get("order", &id.to_string())
        .await
        .map_err(|_| StatusCode::SERVICE_UNAVAILABLE)?
        .ok_or(StatusCode::NOT_FOUND)?;
    Ok(axum::Json(BareOrder {
        id: record.id,
        total_cents: record.unit_price_cents * u64::from(record.quantity),
        user_id: record.user_id,
        item: record.item,
        quantity: record.quantity,
        note: record.note,
        status: record.status,
    }))
}

fn order() -> OrderRecord {
    OrderRecord {
        id: 1,
        user_id: "alice".to_owned(),
        item: "coffee beans".to_owned(),
        quantity: 2,
        unit_price_cents: 1250,
        note: Some("ring twice".to_owned()),
        status: "open".to_owned(),
    }
}

/// Pins the calling thread to `cpu` (Linux, with `taskset`); false if it could not.
fn pin_current_thread(cpu: usize) -> bool {
    let Some(tid) = current_tid() else { return false };
    Command::new("taskset")
        .args(["-cp", &cpu.to_string(), &tid])
        .output()
        .map(|out| out.status.success())
        .unwrap_or(false)
}

/// A server thread: its address, and its thread id (to read its CPU time).
#[derive(Debug, Clone)]
struct Server {
    addr: SocketAddr,
    tid: Option<String>,
}

impl Server {
    /// CPU time the server thread has used (user + system), in clock ticks.
    fn cpu_ticks(&self) -> Option<u64> {
        let stat = std::fs::read_to_string(format!("/proc/self/task/{}/stat", self.tid.as_ref()?)).ok()?;
        // Fields after the command name (which may hold spaces), from field 3 on.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
    }
}

/// The calling thread's id, from `/proc/thread-self`.
fn current_tid() -> Option<String> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name().and_then(|t| t.to_str()).map(str::to_owned)
}

/// Serves `router` on a thread of its own, a one-thread runtime pinned to CPU 0.
fn serve(router: axum::Router) -> Server {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let pinned = pin_current_thread(0);
        let tid = current_tid();
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
            tx.send((listener.local_addr().expect("address"), pinned, tid)).expect("send");
            let _ = orders_api::serve(listener, router, std::future::pending()).await;
        });
    });
    let (addr, pinned, tid) = rx.recv().expect("server address");
    if !pinned {
        eprintln!("note: the server thread is not pinned (no taskset?)");
    }
    Server { addr, tid }
}

/// One run's figures.
#[derive(Debug, Clone, Copy)]
struct Run {
    rps: f64,
    p50_us: f64,
    p99_us: f64,
    /// Server CPU time per request (robust to other load on the machine).
    cpu_us: f64,
}

fn parse_latency(value: &str) -> Option<f64> {
    let value = value.trim();
    let (number, scale) = if let Some(v) = value.strip_suffix("us") {
        (v, 1.0)
    } else if let Some(v) = value.strip_suffix("ms") {
        (v, 1000.0)
    } else if let Some(v) = value.strip_suffix('s') {
        (v, 1_000_000.0)
    } else {
        return None;
    };
    number.parse::<f64>().ok().map(|n| n * scale)
}

/// Runs wrk against `url` for `secs` seconds (pinned to CPU 1).
fn wrk(server: &Server, authorization: &str, secs: u64) -> Option<Run> {
    let url = format!("http://{}/orders/1", server.addr);
    let ticks_before = server.cpu_ticks();
    let out = Command::new("taskset")
        .args(["-c", "1", "wrk", "-t1", "-c8", &format!("-d{secs}s"), "--latency", "-H"])
        .arg(format!("Authorization: {authorization}"))
        .arg(&url)
        .output()
        .ok()?;
    let ticks = server.cpu_ticks().zip(ticks_before).map(|(after, before)| after.saturating_sub(before));
    let text = String::from_utf8_lossy(&out.stdout);
    let mut run = Run { rps: 0.0, p50_us: 0.0, p99_us: 0.0, cpu_us: 0.0 };
    let mut requests: f64 = 0.0;
    for line in text.lines() {
        let line = line.trim();
        if let Some(v) = line.strip_prefix("Requests/sec:") {
            run.rps = v.trim().parse().ok()?;
        } else if let Some(v) = line.strip_prefix("50%") {
            run.p50_us = parse_latency(v)?;
        } else if let Some(v) = line.strip_prefix("99%") {
            run.p99_us = parse_latency(v)?;
        } else if let Some((n, _)) = line.split_once(" requests in ") {
            requests = n.trim().parse().ok()?;
        } else if line.starts_with("Non-2xx") {
            eprintln!("{url}: {line}");
            return None;
        }
    }
    if let Some(ticks) = ticks {
        run.cpu_us = ticks as f64 * 1_000_000.0 / clock_ticks_per_second() / requests.max(1.0);
    }
    (run.rps > 0.0).then_some(run)
}

/// The kernel's clock ticks per second (`getconf CLK_TCK`, 100 nearly everywhere).
fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| String::from_utf8_lossy(&out.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not: then
    // only check that the servers start.
    let benching = std::env::args().any(|a| a == "--bench");
    let wrk_available = Command::new("wrk").arg("--version").output().is_ok();
    if benching && !wrk_available {
        eprintln!("skipped: `wrk` is not installed (apt-get install wrk)");
        return;
    }
    let secs = env_u64("ORDERS_API_BENCH_SECS", 5);
    let rounds = env_u64("ORDERS_API_BENCH_ROUNDS", 3);

    let setup = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut config = Config::development().expect("config");
    // A budget no run exhausts: the layer still decides every request.
    let unlimited = RateLimitPolicy::new(Algorithm::SlidingWindow, [Window::per_second(1_000_000)]).expect("policy");
    config.rate_limits.free = unlimited.clone();
    config.rate_limits.paid = unlimited.clone();
    config.rate_limits.anonymous = unlimited;
    let (full, key) = setup.block_on(async {
        let app = orders_api::app(&config).await.expect("the service starts");
        app.state().data.put("order", "1", &order()).await.expect("seed");
        let key = app.issue_api_key("alice").await.expect("key");
        (app.into_router(), key)
    });
    let bare_data = Data::memory();
    setup.block_on(bare_data.put("order", "1", &order())).expect("seed");
    let bare = axum::Router::new().route("/orders/{id}", axum::routing::get(bare_order)).with_state(bare_data);
    let cors = CorsPolicy::builder()
        .origins(config.origins.iter().map(String::as_str))
        .insecure_localhost(true)
        .methods(["GET", "POST", "PUT", "DELETE"])
        .headers(["Authorization", "Content-Type", "Idempotency-Key"])
        .credentials(true)
        .build()
        .expect("cors");
    let defaults = SafeDefaults::new(cors).https(HttpsLayer::new().allow_plain_loopback()).apply(bare.clone());

    let token = orders_api::dev_token("alice", &[]).expect("token");
    let bearer = format!("Bearer {}", token.expose_secret());
    let api_key = format!("ApiKey {}", key.expose_secret());
    let bare_server = serve(bare);
    let defaults_server = serve(defaults);
    let full_server = serve(full);
    if !benching {
        return;
    }

    let cases = [
        ("bare", &bare_server, bearer.as_str()),
        ("bare_safe_defaults", &defaults_server, bearer.as_str()),
        ("full_jwt", &full_server, bearer.as_str()),
        ("full_api_key", &full_server, api_key.as_str()),
    ];
    // `ORDERS_API_BENCH_ONLY=full_api_key` (with bare): one stack, to profile it.
    let only = std::env::var("ORDERS_API_BENCH_ONLY").ok();
    let cases: Vec<_> = cases
        .into_iter()
        .filter(|(name, _, _)| *name == "bare" || only.as_deref().is_none_or(|o| o == *name))
        .collect();
    let mut results: Vec<Vec<Run>> = vec![Vec::new(); cases.len()];
    // Warm-up.
    for (_, server, auth) in &cases {
        let _ = wrk(server, auth, 1);
    }
    for round in 0..rounds {
        for (i, (name, server, auth)) in cases.iter().enumerate() {
            let Some(run) = wrk(server, auth, secs) else {
                eprintln!("{name}: wrk failed");
                return;
            };
            println!(
                "round {round} {name:<18} {:>9.0} req/s  p50 {:>7.1} us  p99 {:>7.1} us  cpu {:>6.1} us/req",
                run.rps, run.p50_us, run.p99_us, run.cpu_us
            );
            results[i].push(run);
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    let medians: Vec<Run> = results
        .iter()
        .map(|runs| Run {
            rps: median(runs.iter().map(|r| r.rps).collect()),
            p50_us: median(runs.iter().map(|r| r.p50_us).collect()),
            p99_us: median(runs.iter().map(|r| r.p99_us).collect()),
            cpu_us: median(runs.iter().map(|r| r.cpu_us).collect()),
        })
        .collect();
    let base = medians[0];
    println!();
    println!("GET /orders/{{id}}, medians of {rounds} runs of {secs} s (wrk -t1 -c8 on CPU 1, server on CPU 0):");
    println!(
        "{:<18} {:>8} {:>8} {:>9} {:>8} {:>10} {:>9} {:>9} {:>9}",
        "stack", "req/s", "p50 us", "p99 us", "cpu us", "tput ratio", "p50 ratio", "p99 ratio", "cpu ratio"
    );
    for ((name, _, _), run) in cases.iter().zip(&medians) {
        println!(
            "{name:<18} {:>8.0} {:>8.1} {:>9.1} {:>8.1} {:>9.3}x {:>8.3}x {:>8.3}x {:>8.3}x",
            run.rps,
            run.p50_us,
            run.p99_us,
            run.cpu_us,
            base.rps / run.rps,
            run.p50_us / base.p50_us,
            run.p99_us / base.p99_us,
            run.cpu_us / base.cpu_us
        );
    }
    println!(
        "(ratios against bare axum: throughput as bare/stack, latency and server CPU per request as stack/bare; \
         the goal is 1.15x or less. On a machine shared with other work, the CPU ratio is the steadiest figure.)"
    );
}
