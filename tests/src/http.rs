//! Serving a router on loopback for tests, with a test-only authentication.

use std::net::SocketAddr;

use apishield::Principal;
use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;

/// Test-only authentication: `Authorization: Test <subject>[ admin]` becomes
/// the request's `Principal`. The real layers (JWT, API keys) put it in the
/// same place.
pub async fn test_auth(mut req: Request, next: Next) -> Response {
    let principal =
        req.headers().get("authorization").and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Test ")).map(
            |v| {
                let mut parts = v.split(' ');
                let p = Principal::new(parts.next().unwrap_or_default());
                if parts.next() == Some("admin") { p.with_roles(["admin"]) } else { p }
            },
        );
    if let Some(p) = principal {
        req.extensions_mut().insert(p);
    }
    next.run(req).await
}

/// Serves `router` (with [`test_auth`]) on an ephemeral loopback port.
pub async fn serve(router: Router) -> SocketAddr {
    let app = router.layer(middleware::from_fn(test_auth));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    addr
}

/// Like [`serve`], with axum's `ConnectInfo<SocketAddr>` in every request
/// (the client address a rate limit keys anonymous requests on).
pub async fn serve_with_connect_info(router: Router) -> SocketAddr {
    let app = router.layer(middleware::from_fn(test_auth));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind loopback");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>()).await;
    });
    addr
}
