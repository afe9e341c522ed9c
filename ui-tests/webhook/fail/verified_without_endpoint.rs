// A route whose handler takes `Verified<T>` needs a `WebhookEndpoint` in its
// state: without one the router does not build (it used to answer 500 at run
// time). The fix is `post(invoice_paid).with_state(endpoint)`.
use apishield::webhook::Verified;
use axum::Router;
use axum::routing::post;

#[derive(serde::Deserialize)]
pub struct InvoicePaid {
    pub invoice: String,
}

async fn invoice_paid(event: Verified<InvoicePaid>) -> String {
    event.into_inner().invoice
}

#[derive(Clone)]
struct AppState;

fn main() {
    // No state at all.
    let _: Router = Router::new().route("/webhooks/billing", post(invoice_paid));
    // A state that holds no endpoint.
    let _: Router = Router::new().route("/webhooks/billing", post(invoice_paid)).with_state(AppState);
}
