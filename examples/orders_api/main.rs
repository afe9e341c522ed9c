//! `orders_api`: users, orders, payments, a payment provider's webhooks and
//! API keys, with every apishield layer. The service is
//! `apishield_examples::orders_api` (`examples/orders_api/`); this is its
//! `main`: configuration from the environment, a banner with a development
//! token, API key and `curl` lines, graceful shutdown on Ctrl-C.
//!
//! ```text
//! cargo run --example orders_api                          # in memory, on 127.0.0.1:3000
//! REDIS_URL=redis://127.0.0.1:6379 cargo run --example orders_api   # stores in Redis
//! cargo run --example orders_api -- audit                 # print the security audit and exit
//! ```

use apishield_examples::orders_api::{self, Config};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_target(false).init();
    let config = Config::from_env()?;
    let app = orders_api::app(&config).await?;

    if std::env::args().nth(1).as_deref() == Some("audit") {
        print!("{}", app.audit());
        return Ok(());
    }

    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = listener.local_addr()?;
    // The metrics, on their own loopback listener (see orders_api/metrics.rs).
    let ops = tokio::net::TcpListener::bind(config.ops_addr).await?;
    let ops_addr = ops.local_addr()?;
    let metrics = orders_api::metrics::recorder()?;
    tokio::spawn(orders_api::metrics::serve_ops(ops, metrics, async {
        let _ = tokio::signal::ctrl_c().await;
    }));
    let token = orders_api::dev_token("alice", &[])?;
    let admin = orders_api::dev_token("root", &["admin"])?;
    let key = app.issue_api_key("alice").await?;
    let base = format!("http://{addr}");
    let stores = match &config.redis_url {
        Some(_) => "Redis (shared by every instance with the same prefix)",
        None => "this process's memory (set REDIS_URL to share them)",
    };

    println!("orders_api listening on {base}");
    println!("  stores: {stores}");
    println!("  CORS origins: {}", config.origins.join(", "));
    println!("  metrics: http://{ops_addr}/metrics (Prometheus; this machine only)");
    println!();
    println!("Development credentials (the test RSA key: never in production; tokens expire in 15 minutes):");
    println!("  TOKEN={}", token.expose_secret());
    println!("  ADMIN_TOKEN={}", admin.expose_secret());
    println!("  API_KEY={}", key.expose_secret());
    if config.webhook_secret_generated {
        println!("  WEBHOOK_SECRET={}", config.webhook_secret.to_standard().as_str());
    }
    println!();
    println!("Try:");
    println!("  curl -i {base}/health");
    println!(
        "  curl -i -X POST {base}/orders -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' \\\n    \
         -H 'Idempotency-Key: order-1' -d '{{\"item\":\"coffee\",\"quantity\":2,\"unit_price_cents\":450}}'"
    );
    println!("  curl -i {base}/orders/1 -H \"Authorization: ApiKey $API_KEY\"");
    println!("  curl -i {base}/admin/orders -H \"Authorization: Bearer $ADMIN_TOKEN\"");
    println!();
    println!("Ctrl-C stops it (requests in flight are finished first).");

    orders_api::serve(listener, app.into_router(), async {
        let _ = tokio::signal::ctrl_c().await;
        println!("shutting down");
    })
    .await?;
    Ok(())
}
