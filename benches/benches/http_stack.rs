//! The whole stack over real HTTP on loopback, against bare axum: what a
//! user pays on every request, where a part can be fast while the whole is
//! slow. Two measurements of the same routes, served by `stack_server` (one
//! variant per process, a one-thread runtime):
//!
//! * **instructions per request** (callgrind, when `valgrind` is installed):
//!   the server's instruction count after `N2` sequential keep-alive
//!   requests minus that after `N1`, over `N2 - N1`; start-up and shutdown
//!   cancel out. Deterministic, so it shows a change of a few percent that
//!   wall-clock figures (±10 % here) hide;
//! * **throughput and latency** (`wrk`, when installed): the server pinned
//!   to core 0, `wrk` (one thread, 32 connections) to core 1, variants
//!   alternating round by round; the median of the rounds is reported with
//!   p50, p99 and p99.9 latency.
//!
//! Ratios are against bare axum: `bare` for the GET variants, `post_bare`
//! for the POST ones.
//!
//! ```text
//! cargo bench -p apishield-benches --bench http_stack                  # both
//! cargo bench -p apishield-benches --bench http_stack -- instructions  # or: wrk
//! APISHIELD_HTTP_ROUNDS=5 APISHIELD_HTTP_SECONDS=10 cargo bench ... -- wrk
//! APISHIELD_STACK_SERVER=/tmp/stack_server_before cargo bench ... -- instructions
//! APISHIELD_HTTP_CASES=full_jwt_hs256,idempotent_fresh cargo bench ...  # some cases
//! APISHIELD_HTTP_CASES=noop_layer,only_cors cargo bench ... -- instructions  # any GET variant
//! APISHIELD_CALLGRIND_KEEP=1 cargo bench ... -- instructions  # keep the profiles
//! REDIS_URL=redis://127.0.0.1:6379 cargo bench ... -- soak  # 60 s of fresh keys each
//! ```
//!
//! The last form measures another build's server (e.g. the commit before a
//! change, built with `cargo build --release -p apishield-benches --bin
//! stack_server` and copied aside) with the same client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const SERVER: &str = env!("CARGO_BIN_EXE_stack_server");

/// The server binary: this build's, or another build's (to compare a
/// change against the commit before it) named by `APISHIELD_STACK_SERVER`.
fn server() -> String {
    std::env::var("APISHIELD_STACK_SERVER").unwrap_or_else(|_| SERVER.to_owned())
}

/// A benchmarked case: a server variant and how its requests are made.
#[derive(Clone, Copy)]
struct Case {
    name: &'static str,
    variant: &'static str,
    keys: Keys,
    baseline: &'static str,
}

#[derive(Clone, Copy, PartialEq)]
enum Keys {
    /// No `Idempotency-Key`.
    None,
    /// A fresh key on every request.
    Fresh,
    /// One key, claimed before the run: every measured request is a replay.
    Replay,
}

const CASES: &[Case] = &[
    Case { name: "bare", variant: "bare", keys: Keys::None, baseline: "bare" },
    Case { name: "safe_defaults", variant: "defaults", keys: Keys::None, baseline: "bare" },
    Case { name: "tower_http_equivalent", variant: "tower_http", keys: Keys::None, baseline: "bare" },
    Case { name: "floor_defaults", variant: "floor_defaults", keys: Keys::None, baseline: "bare" },
    Case { name: "floor_full", variant: "floor_full", keys: Keys::None, baseline: "bare" },
    Case { name: "full_api_key", variant: "api_key", keys: Keys::None, baseline: "bare" },
    Case { name: "full_api_key_one_layer", variant: "api_key_one_layer", keys: Keys::None, baseline: "bare" },
    Case { name: "full_jwt_hs256", variant: "jwt_hs256", keys: Keys::None, baseline: "bare" },
    Case { name: "full_jwt_rs256", variant: "jwt_rs256", keys: Keys::None, baseline: "bare" },
    Case { name: "full_jwt_hs256_one_layer", variant: "jwt_hs256_one_layer", keys: Keys::None, baseline: "bare" },
    Case { name: "full_jwt_hs256_no_cache", variant: "jwt_hs256_no_cache", keys: Keys::None, baseline: "bare" },
    Case { name: "full_jwt_rs256_no_cache", variant: "jwt_rs256_no_cache", keys: Keys::None, baseline: "bare" },
    Case { name: "post_bare", variant: "post_bare", keys: Keys::None, baseline: "post_bare" },
    Case { name: "idempotent_fresh", variant: "post_idempotent", keys: Keys::Fresh, baseline: "post_bare" },
    Case { name: "idempotent_replay", variant: "post_idempotent", keys: Keys::Replay, baseline: "post_bare" },
];

/// The cases to run: all, or those named in `APISHIELD_HTTP_CASES`
/// (comma-separated; their baselines are always run too). An older build's
/// server may lack the newer variants.
fn cases() -> Vec<Case> {
    let Ok(names) = std::env::var("APISHIELD_HTTP_CASES") else { return CASES.to_vec() };
    let wanted: Vec<&str> = names.split(',').map(str::trim).collect();
    let mut cases: Vec<Case> = CASES
        .iter()
        .filter(|c| {
            wanted.contains(&c.name)
                || CASES.iter().any(|w| wanted.contains(&w.name) && w.baseline == c.name)
                || (c.name == "bare" && wanted.iter().any(|name| is_attribution_variant(name)))
        })
        .copied()
        .collect();
    // The server's GET variants that attribute the safe defaults' cost layer
    // by layer (`noop_layer`, `only_cors`, ...) run as GET cases against bare.
    for name in wanted.into_iter().filter(|name| is_attribution_variant(name)) {
        let name: &'static str = Box::leak(name.to_owned().into_boxed_str());
        cases.push(Case { name, variant: name, keys: Keys::None, baseline: "bare" });
    }
    cases
}

/// A GET variant of the server that is not one of the table's cases.
fn is_attribution_variant(name: &str) -> bool {
    !name.is_empty() && !CASES.iter().any(|c| c.name == name || c.variant == name)
}

/// What the server printed about the route it serves.
struct Target {
    port: u16,
    method: String,
    path: String,
    headers: Vec<String>,
    body: String,
}

struct Server {
    child: Child,
    target: Target,
}

impl Server {
    fn start(prefix: &[&str], variant: &str) -> Server {
        let server = server();
        let (program, args) = match prefix.split_first() {
            Some((program, rest)) => (*program, [rest, &[server.as_str(), variant]].concat()),
            None => (server.as_str(), vec![variant]),
        };
        let mut child = Command::new(program)
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let mut target =
            Target { port: 0, method: String::new(), path: String::new(), headers: vec![], body: String::new() };
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap_or_default();
            let (tag, rest) = line.split_once(' ').unwrap_or((line.as_str(), ""));
            match tag {
                "PORT" => target.port = rest.parse().unwrap_or_else(|e| panic!("port {rest}: {e}")),
                "METHOD" => target.method = rest.to_owned(),
                "PATH" => target.path = rest.to_owned(),
                "HEADER" => target.headers.push(rest.to_owned()),
                "BODY" => target.body = rest.to_owned(),
                "READY" => break,
                _ => {}
            }
        }
        assert!(target.port != 0, "{variant}: the server did not start");
        Server { child, target }
    }

    /// SIGTERM, so the server (and callgrind) exit normally.
    fn stop(mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

/// One keep-alive connection making sequential requests, checking each
/// answer is a 200 with the whole body read.
struct Client {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Client {
    fn connect(port: u16) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| panic!("connect: {e}"));
        let _ = stream.set_nodelay(true);
        Client { stream, buffer: Vec::with_capacity(4096) }
    }

    fn request(&mut self, target: &Target, key: Option<&str>) {
        let mut request = format!("{} {} HTTP/1.1\r\nhost: 127.0.0.1\r\n", target.method, target.path);
        for header in &target.headers {
            request.push_str(header);
            request.push_str("\r\n");
        }
        if let Some(key) = key {
            request.push_str(&format!("idempotency-key: \"{key}\"\r\n"));
        }
        request.push_str(&format!("content-length: {}\r\n\r\n{}", target.body.len(), target.body));
        self.stream.write_all(request.as_bytes()).unwrap_or_else(|e| panic!("write: {e}"));
        self.read_response();
    }

    fn read_response(&mut self) {
        self.buffer.clear();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(at) = self.buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let n = self.stream.read(&mut chunk).unwrap_or_else(|e| panic!("read: {e}"));
            assert!(n > 0, "the server closed the connection");
            self.buffer.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&self.buffer[..head_end]).to_ascii_lowercase();
        assert!(head.starts_with("http/1.1 200"), "not a 200: {}", head.lines().next().unwrap_or(""));
        let length: usize = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .map(|v| v.trim().parse().unwrap_or(0))
            .unwrap_or_else(|| panic!("no content-length in {head}"));
        while self.buffer.len() < head_end + length {
            let n = self.stream.read(&mut chunk).unwrap_or_else(|e| panic!("read: {e}"));
            assert!(n > 0, "the server closed the connection");
            self.buffer.extend_from_slice(&chunk[..n]);
        }
    }
}

fn run_requests(target: &Target, keys: Keys, count: usize) {
    let mut client = Client::connect(target.port);
    for i in 0..count {
        let key = match keys {
            Keys::None => None,
            Keys::Fresh => Some(format!("fresh-{i}")),
            Keys::Replay => Some("replayed".to_owned()),
        };
        client.request(target, key.as_deref());
    }
}

fn callgrind_total(case: &Case, requests: usize) -> u64 {
    let out = std::env::temp_dir().join(format!("apishield-callgrind-{}-{requests}-{}", case.name, std::process::id()));
    let out_arg = format!("--callgrind-out-file={}", out.display());
    let server = Server::start(&["valgrind", "--tool=callgrind", "--quiet", &out_arg], case.variant);
    if case.keys == Keys::Replay {
        run_requests(&server.target, Keys::Replay, 1);
    }
    run_requests(&server.target, case.keys, requests);
    server.stop();
    let text = std::fs::read_to_string(&out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    let total: u64 = text
        .lines()
        .find_map(|line| line.strip_prefix("summary:").or_else(|| line.strip_prefix("totals:")))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or_else(|| panic!("no total in callgrind's output"));
    let calibration = once_per_process(&out);
    if std::env::var_os("APISHIELD_CALLGRIND_KEEP").is_some() {
        // For a profile: `callgrind_annotate --inclusive=yes` of both files.
        println!("  kept {}", out.display());
    } else {
        let _ = std::fs::remove_file(&out);
    }
    total.saturating_sub(calibration)
}

/// The instructions of work a process does once but for a varying length:
/// the TSC clock's calibration (`quanta::Clock::new`), which loops until its
/// readings settle, 5 to 13 million instructions from run to run. Left in,
/// it moved a variant's per-request figure by several thousand; taken out,
/// repeated runs agree to a few instructions.
fn once_per_process(out: &std::path::Path) -> u64 {
    let Ok(annotated) = Command::new("callgrind_annotate").arg("--inclusive=yes").arg(out).output() else {
        return 0;
    };
    String::from_utf8_lossy(&annotated.stdout)
        .lines()
        .find(|line| line.contains("quanta::Clock::new "))
        .and_then(|line| line.split_whitespace().next())
        .and_then(|count| count.replace(',', "").parse().ok())
        .unwrap_or(0)
}

fn instructions() -> Vec<(&'static str, f64)> {
    const N1: usize = 200;
    const N2: usize = 2_200;
    let mut results = Vec::new();
    for case in cases() {
        let low = callgrind_total(&case, N1);
        let high = callgrind_total(&case, N2);
        let per_request = high.saturating_sub(low) as f64 / (N2 - N1) as f64;
        println!("  {:24} {:>9.0} instructions per request", case.name, per_request);
        results.push((case.name, per_request));
    }
    results
}

const WRK_SCRIPT: &str = r#"
wrk.method = os.getenv("APISHIELD_METHOD")
local body = os.getenv("APISHIELD_BODY")
if body ~= "" then wrk.body = body end
local counter = 0
local fresh = os.getenv("APISHIELD_FRESH_KEYS") == "1"
request = function()
  if fresh then
    counter = counter + 1
    local headers = {}
    for name, value in pairs(wrk.headers) do headers[name] = value end
    headers["idempotency-key"] = '"w' .. counter .. '"'
    return wrk.format(nil, nil, headers)
  end
  return wrk.format()
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT %d %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9), errors,
    latency:percentile(99.99), latency.max))
end
"#;

#[derive(Clone, Copy, Default)]
struct Run {
    rps: f64,
    p50: f64,
    p99: f64,
    p999: f64,
    p9999: f64,
    max: f64,
    requests: f64,
    /// The server's peak resident memory, in MiB.
    peak_mib: f64,
}

fn wrk_once(case: &Case, script: &std::path::Path, seconds: u64) -> Run {
    let server = Server::start(&["taskset", "-c", "0"], case.variant);
    let target = &server.target;
    // A first request proves the route answers 200 (and claims the replayed
    // key); an idempotent route needs a key even then.
    run_requests(target, case.keys, 1);
    let mut args: Vec<String> =
        ["-c", "1", "wrk", "-t1", "-c32", &format!("-d{seconds}s"), "-s"].iter().map(|s| s.to_string()).collect();
    args.push(script.display().to_string());
    args.extend(["-H".into(), "host: 127.0.0.1".into()]);
    for header in &target.headers {
        args.extend(["-H".into(), header.clone()]);
    }
    if case.keys == Keys::Replay {
        args.extend(["-H".into(), "idempotency-key: \"replayed\"".into()]);
    }
    // wrk has no flag for the method or the body: the script reads them.
    let output = Command::new("taskset")
        .args(&args)
        .arg(format!("http://127.0.0.1:{}{}", target.port, target.path))
        .env("APISHIELD_FRESH_KEYS", if case.keys == Keys::Fresh { "1" } else { "0" })
        .env("APISHIELD_METHOD", &target.method)
        .env("APISHIELD_BODY", &target.body)
        .output()
        .unwrap_or_else(|e| panic!("wrk: {e}"));
    let peak_mib = peak_resident_mib(server.child.id());
    let pid = server.child.id();
    server.stop();
    if case.variant.ends_with("redis") {
        forget_redis_records(pid);
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    let fields: Vec<f64> = stdout
        .lines()
        .find_map(|line| line.strip_prefix("RESULT "))
        .unwrap_or_else(|| panic!("wrk printed no result: {stdout}"))
        .split_whitespace()
        .map(|v| v.parse().unwrap_or(f64::NAN))
        .collect();
    let [requests, duration_us, p50, p99, p999, errors, p9999, max] = fields[..] else { panic!("wrk: {stdout}") };
    assert!(errors == 0.0, "{}: {errors} requests failed or were not 2xx", case.name);
    Run { rps: requests / (duration_us / 1e6), p50, p99, p999, p9999, max, requests, peak_mib }
}

/// Deletes the records a Redis variant's server left (its prefix names its
/// process): a soak leaves millions.
fn forget_redis_records(pid: u32) {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned());
    let Ok(mut connection) = redis::Client::open(url).and_then(|client| client.get_connection()) else { return };
    let pattern = format!("apishield:bench:{pid}:*");
    let mut cursor: u64 = 0;
    loop {
        let Ok((next, keys)): redis::RedisResult<(u64, Vec<String>)> =
            redis::cmd("SCAN").arg(cursor).arg("MATCH").arg(&pattern).arg("COUNT").arg(10_000).query(&mut connection)
        else {
            return;
        };
        if !keys.is_empty() {
            let _: redis::RedisResult<u64> = redis::cmd("UNLINK").arg(&keys).query(&mut connection);
        }
        if next == 0 {
            return;
        }
        cursor = next;
    }
}

/// `VmHWM` of a process, from `/proc`.
fn peak_resident_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// Fresh idempotency keys for a long run (`APISHIELD_SOAK_SECONDS`, default
/// 60): millions of records, so a sweep, a rehash or a lock held too long
/// shows as a latency outlier. The bare POST, run the same way, is the
/// floor: the outliers the machine and `wrk` make by themselves.
fn fresh_case() -> Case {
    CASES.iter().copied().find(|c| c.name == "idempotent_fresh").unwrap_or_else(|| panic!("no idempotent_fresh case"))
}

fn soak() {
    let seconds: u64 = std::env::var("APISHIELD_SOAK_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(60);
    let script = std::env::temp_dir().join(format!("apishield-wrk-soak-{}.lua", std::process::id()));
    std::fs::write(&script, WRK_SCRIPT).unwrap_or_else(|e| panic!("{}: {e}", script.display()));
    let redis = std::env::var_os("REDIS_URL").is_some();
    // The bare POST and the memory store's fresh keys as in the other
    // modes, and the same on Redis.
    let on_redis = Case { name: "idempotent_fresh_redis", variant: "post_idempotent_redis", ..fresh_case() };
    let cases: Vec<Case> = CASES
        .iter()
        .filter(|c| matches!(c.name, "post_bare" | "idempotent_fresh"))
        .copied()
        .chain([on_redis])
        .collect();
    println!("\nsoak: {seconds} s each, wrk -t1 -c32, a fresh idempotency key per request");
    println!(
        "\n  {:24} {:>10} {:>9} {:>7} {:>7} {:>8} {:>9} {:>8} {:>8}",
        "case", "requests", "req/s", "p50 µs", "p99 µs", "p99.9 µs", "p99.99 µs", "max µs", "peak MiB"
    );
    for case in &cases {
        if case.variant.ends_with("redis") && !redis {
            println!("  {:24} skipped: REDIS_URL is not set", case.name);
            continue;
        }
        let run = wrk_once(case, &script, seconds);
        println!(
            "  {:24} {:>10.0} {:>9.0} {:>7.0} {:>7.0} {:>8.0} {:>9.0} {:>8.0} {:>8.0}",
            case.name, run.requests, run.rps, run.p50, run.p99, run.p999, run.p9999, run.max, run.peak_mib
        );
    }
    let _ = std::fs::remove_file(&script);
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn throughput() -> Vec<(&'static str, Run)> {
    let rounds: usize = std::env::var("APISHIELD_HTTP_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    let seconds: u64 = std::env::var("APISHIELD_HTTP_SECONDS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let script = std::env::temp_dir().join(format!("apishield-wrk-{}.lua", std::process::id()));
    std::fs::write(&script, WRK_SCRIPT).unwrap_or_else(|e| panic!("{}: {e}", script.display()));
    let cases = cases();
    let mut runs: Vec<Vec<Run>> = vec![Vec::new(); cases.len()];
    for round in 0..rounds {
        // Alternating: every case once per round, so drift hits all alike.
        for (i, case) in cases.iter().enumerate() {
            let run = wrk_once(case, &script, seconds);
            println!(
                "  round {round} {:24} {:>9.0} req/s  p50 {:>6.0} µs  p99 {:>6.0} µs  p99.9 {:>6.0} µs",
                case.name, run.rps, run.p50, run.p99, run.p999
            );
            runs[i].push(run);
            std::thread::sleep(Duration::from_millis(200));
        }
    }
    let _ = std::fs::remove_file(&script);
    cases
        .iter()
        .zip(runs)
        .map(|(case, runs)| {
            let pick = |f: fn(&Run) -> f64| median(runs.iter().map(f).collect());
            (
                case.name,
                Run {
                    rps: pick(|r| r.rps),
                    p50: pick(|r| r.p50),
                    p99: pick(|r| r.p99),
                    p999: pick(|r| r.p999),
                    ..Run::default()
                },
            )
        })
        .collect()
}

fn available(program: &str, arg: &str) -> bool {
    Command::new(program).arg(arg).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok()
}

fn main() {
    // `cargo bench` passes `--bench`; the first other argument picks a mode.
    let mode = std::env::args().skip(1).find(|a| !a.starts_with("--")).unwrap_or_else(|| "all".into());
    let baseline = |name: &str| CASES.iter().find(|c| c.name == name).map(|c| c.baseline).unwrap_or("bare");
    if matches!(mode.as_str(), "all" | "instructions") {
        if available("valgrind", "--version") {
            println!("instructions per request (callgrind, server only):");
            let results = instructions();
            let of = |name: &str| results.iter().find(|(n, _)| *n == name).map(|(_, v)| *v).unwrap_or(f64::NAN);
            println!("\n  {:24} {:>10} {:>8}", "case", "instr/req", "ratio");
            for (name, value) in &results {
                println!("  {:24} {:>10.0} {:>7.2}x", name, value, value / of(baseline(name)));
            }
        } else {
            println!("instructions: skipped, valgrind is not installed");
        }
    }
    if mode == "soak" {
        if available("wrk", "--version") && available("taskset", "--version") {
            soak();
        } else {
            println!("soak: skipped, wrk or taskset is not installed");
        }
    }
    if matches!(mode.as_str(), "all" | "wrk") {
        if available("wrk", "--version") && available("taskset", "--version") {
            println!("\nthroughput and latency (wrk -t1 -c32, server on core 0, wrk on core 1):");
            let results = throughput();
            let of = |name: &str| results.iter().find(|(n, _)| *n == name).map(|(_, r)| *r).unwrap_or_default();
            println!(
                "\n  {:24} {:>9} {:>7} {:>8} {:>8} {:>8} {:>8}",
                "case", "req/s", "ratio", "p50 µs", "p50 x", "p99 µs", "p99.9 µs"
            );
            for (name, run) in &results {
                let base = of(baseline(name));
                println!(
                    "  {:24} {:>9.0} {:>6.2}x {:>8.0} {:>7.2}x {:>8.0} {:>8.0}",
                    name,
                    run.rps,
                    run.rps / base.rps,
                    run.p50,
                    run.p50 / base.p50,
                    run.p99,
                    run.p999
                );
            }
        } else {
            println!("throughput: skipped, wrk or taskset is not installed");
        }
    }
}
