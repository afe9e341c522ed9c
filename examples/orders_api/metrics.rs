//! Prometheus metrics: apishield's counters of every security decision
//! (authentication, rate limits, idempotency, webhooks, CORS, validation,
//! access checks; see `apishield::telemetry`), rendered in the Prometheus
//! text format on `GET /metrics` of an **ops listener of its own**, bound to
//! loopback by default ([`Config::ops_addr`](super::Config::ops_addr),
//! `ORDERS_API_OPS_ADDR`).
//!
//! Why a listener of its own rather than a route of the API: the counters
//! tell whoever reads them how many logins fail, how often keys are
//! guessed at, which refusals an attacker triggers and how the service is
//! used, so they must not be public. On the API's port, the route would be
//! reachable from the internet and would need a credential of its own (one
//! more secret for every scraper to hold, over the internet's side of the
//! load balancer), and its scrapes would spend the API's rate limits and
//! appear among the API's authentication decisions. On a loopback port it
//! is reachable only from this machine (a Prometheus agent or sidecar next
//! to the process); on a private network, set `ORDERS_API_OPS_ADDR` to the
//! address of that network's interface, never to a wildcard address
//! (`0.0.0.0`, `[::]`), which [`check_ops_addr`] refuses.
//!
//! ```text
//! curl -s http://127.0.0.1:9464/metrics | grep apishield_
//! ```

use std::future::Future;
use std::net::SocketAddr;
use std::sync::OnceLock;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use super::StartError;

/// The content type of the Prometheus text format.
pub const CONTENT_TYPE_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The process's Prometheus recorder, installed as the global `metrics`
/// recorder on the first call (apishield's counters described to it), and
/// the handle that renders it. A process has one global recorder: every
/// instance of the service in it (the tests start several) shares it, and
/// another recorder installed first (by the embedding program) is an error.
pub fn recorder() -> Result<PrometheusHandle, StartError> {
    static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();
    let handle = HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::set_global_recorder(recorder).ok()?;
        apishield::telemetry::describe();
        Some(handle)
    });
    handle.clone().ok_or_else(|| StartError("another metrics recorder is installed in this process".into()))
}

/// The ops router: `GET /metrics`, the counters in the Prometheus text
/// format. No authentication: serve it only on a listener that the
/// internet cannot reach (see the module documentation).
pub fn router(handle: PrometheusHandle) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let body = handle.render();
            async move { ([(CONTENT_TYPE, CONTENT_TYPE_TEXT)], body).into_response() }
        }),
    )
}

/// Refuses an ops address that would listen on every interface, the public
/// ones included.
pub fn check_ops_addr(addr: SocketAddr) -> Result<SocketAddr, String> {
    if addr.ip().is_unspecified() {
        return Err(format!(
            "{addr} listens on every interface: the metrics must not be public; use 127.0.0.1 or a private address"
        ));
    }
    Ok(addr)
}

/// Serves the ops router of `handle` (from [`recorder`], installed by the
/// caller before the service takes requests: counted before the recorder
/// exists, a decision is lost) on `listener` until `shutdown` completes.
pub async fn serve_ops(
    listener: tokio::net::TcpListener,
    handle: PrometheusHandle,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(handle)).with_graceful_shutdown(shutdown).await
}

#[cfg(test)]
mod tests {
    use super::check_ops_addr;

    #[test]
    fn wildcard_ops_addresses_are_refused() {
        for ok in ["127.0.0.1:9464", "[::1]:9464", "10.0.0.7:9464"] {
            assert!(check_ops_addr(ok.parse().unwrap()).is_ok(), "{ok}");
        }
        for public in ["0.0.0.0:9464", "[::]:9464"] {
            assert!(check_ops_addr(public.parse().unwrap()).is_err(), "{public}");
        }
    }
}
