//! Restart safety: two instances on one Redis, one of them killed (its
//! runtime shut down, every task dropped, as a crash would) while requests
//! go on against both. The survivor keeps serving; no idempotent payment
//! runs twice; the caller's rate-limit budget is not reset. And a graceful
//! shutdown (what Ctrl-C does) finishes the requests in flight.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use apishield_examples::orders_api::{self, Config, Counters};

use crate::e2e::create_order;
use crate::support::{Env, Reply, bearer, per_day, test_config};

/// An instance in a runtime of its own: killing the runtime kills it.
struct Process {
    runtime: tokio::runtime::Runtime,
    addr: SocketAddr,
    counters: Counters,
}

impl Process {
    /// Starts on a thread of its own (a runtime cannot be started from
    /// within another).
    fn start(config: Config) -> Process {
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
            let app = runtime.block_on(orders_api::app(&config)).expect("the instance starts");
            let counters = app.counters();
            let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
            let addr = listener.local_addr().unwrap();
            runtime.spawn(orders_api::serve(listener, app.into_router(), std::future::pending()));
            Process { runtime, addr, counters }
        })
        .join()
        .expect("start thread")
    }

    fn kill(self) {
        self.runtime.shutdown_background();
    }
}

/// One payment request; `None` if the connection failed (the dead instance).
async fn pay(http: &reqwest::Client, addr: SocketAddr, auth: &str, order: u64, key: &str) -> Option<Reply> {
    let response = http
        .post(format!("http://{addr}/payments"))
        .header("authorization", auth)
        .header("content-type", "application/json")
        .header("idempotency-key", key)
        .body(format!(r#"{{"order_id":{order},"method":"card"}}"#))
        .send()
        .await
        .ok()?;
    Some(Reply::read(response).await)
}

/// What is left of alice's budget, asked of `addr`.
async fn remaining(env: &Env, addr: SocketAddr, auth: &str) -> u32 {
    let reply = env.send_with("GET", &format!("http://{addr}/orders"), Some(auth), None, &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.header("x-ratelimit-remaining").expect("remaining").parse().expect("number")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_killed_mid_run_loses_no_payment_and_resets_no_budget() {
    const BUDGET: u32 = 1000;
    let mut config = test_config();
    config.rate_limits.free = per_day(BUDGET);
    // Charges take a while, so some are in flight when the instance dies.
    config.provider_latency = Duration::from_millis(1000);
    // The survivor, in the test's runtime, and the instance to kill.
    let Some(env) = Env::redis(config.clone(), "restart").await else { return };
    // The same Redis and prefix as the survivor.
    let a = Process::start(env.config.clone());
    let (a_addr, a_counters) = (a.addr, a.counters.clone());
    let b_addr = env.instances[0].addr;
    let b_counters = env.instances[0].counters.clone();
    let auth = bearer(&env.token("alice", &[]));
    let order = create_order(&env, &auth, "restart-order").await;

    // Each round charges 4 new keys and retries every earlier one, each
    // key to A and B in turn, all concurrently.
    let mut keys: Vec<String> = Vec::new();
    let mut answers: BTreeMap<String, Vec<Reply>> = BTreeMap::new();
    let mut sent = 0u32;
    let mut answered = 0u32;
    let mut a = Some(a);
    let mut before_kill = None;
    for round in 0..6 {
        keys.extend((0..4).map(|j| format!("restart-pay-{round}-{j}")));
        let a_runs_before = a_counters.payments_created();
        let requests: Vec<_> = keys
            .iter()
            .enumerate()
            .map(|(i, key)| {
                let addr = if (i + round) % 2 == 0 { a_addr } else { b_addr };
                let (http, auth, key) = (env.http.clone(), auth.clone(), key.clone());
                tokio::spawn(async move { (key.clone(), addr, pay(&http, addr, &auth, order, &key).await) })
            })
            .collect();
        sent += keys.len() as u32;
        if round == 2 {
            // Mid-run: once A runs this round's new charges (1 s each), it dies.
            for _ in 0..500 {
                if a_counters.payments_created() > a_runs_before {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            before_kill = Some(remaining(&env, b_addr, &auth).await);
            sent += 1;
            answered += 1;
            let process = a.take().expect("A runs");
            tokio::task::spawn_blocking(move || process.kill()).await.expect("kill");
        }
        for request in requests {
            let (key, addr, reply) = request.await.expect("request task");
            match reply {
                Some(reply) => {
                    assert!(reply.status < 500, "{key} on {addr}: {} {}", reply.status, reply.body);
                    answered += 1;
                    answers.entry(key).or_default().push(reply);
                }
                // Only the killed instance may fail to answer.
                None => assert!(addr == a_addr && round >= 2, "{key}: {addr} did not answer in round {round}"),
            }
        }
    }

    // The survivor answers every key: the recorded payment, or 409 for a
    // charge that was running in the dead instance (its outcome unknown:
    // never run a second time).
    let mut completed = 0u64;
    let mut abandoned = 0u64;
    for key in &keys {
        let last = pay(&env.http, b_addr, &auth, order, key).await.expect("the survivor answers");
        sent += 1;
        answered += 1;
        match last.status {
            201 => completed += 1,
            409 => abandoned += 1,
            other => panic!("{key}: {other} {}", last.body),
        }
        let replies = answers.entry(key.clone()).or_default();
        replies.push(last);
        // Every 201 of a key is one payment.
        let ids: std::collections::BTreeSet<u64> =
            replies.iter().filter(|r| r.status == 201).filter_map(|r| r.json()["id"].as_u64()).collect();
        assert!(ids.len() <= 1, "{key} was charged as several payments: {ids:?}");
    }
    let runs = a_counters.payments_created() + b_counters.payments_created();
    assert_eq!(completed + abandoned, keys.len() as u64);
    assert!(runs >= completed && runs <= completed + abandoned, "{runs} charges for {completed} + {abandoned} keys");
    // A died running some charges: they stay unknown (409), never re-run.
    assert!(abandoned >= 1, "no charge was in flight in the killed instance");
    assert!(completed >= keys.len() as u64 / 2, "the survivor completed the charges sent to it");

    // The budget went on from where it was: nothing reset it.
    let before_kill = before_kill.expect("probed");
    let after = remaining(&env, b_addr, &auth).await;
    sent += 1;
    answered += 1;
    assert!(after < before_kill, "the budget was reset: {after} left after the kill, {before_kill} before");
    // Every answered request was counted (and at most every request sent).
    let spent = BUDGET - after;
    assert!(spent >= answered && spent <= sent + 2, "{spent} spent, {answered} answered, {sent} sent");
}

/// Ctrl-C in `main` is this: the shutdown signal stops new connections,
/// and the payment in flight still completes and is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_shutdown_finishes_the_requests_in_flight() {
    let mut config = test_config();
    config.provider_latency = Duration::from_millis(600);
    let app = orders_api::app(&config).await.expect("the service starts");
    let counters = app.counters();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(orders_api::serve(listener, app.into_router(), async {
        let _ = stopped.await;
    }));
    let token = orders_api::dev_token("alice", &[]).expect("token").expose_secret().clone();
    let auth = bearer(&token);
    let http = reqwest::Client::new();
    let created = http
        .post(format!("http://{addr}/orders"))
        .header("authorization", &auth)
        .header("content-type", "application/json")
        .header("idempotency-key", "shutdown-order")
        .body(r#"{"item":"tea","quantity":1,"unit_price_cents":300}"#)
        .send()
        .await
        .expect("order");
    assert_eq!(created.status(), 201);
    let in_flight = tokio::spawn({
        let (http, auth) = (http.clone(), auth.clone());
        async move { pay(&http, addr, &auth, 1, "shutdown-pay").await }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    stop.send(()).expect("signal");
    let paid = in_flight.await.expect("task").expect("the request in flight is answered");
    assert_eq!(paid.status, 201, "{}", paid.body);
    assert_eq!(counters.payments_created(), 1);
    server.await.expect("server task").expect("the server stops cleanly");
    assert!(reqwest::Client::new().get(format!("http://{addr}/health")).send().await.is_err(), "still accepting");
}
