use apishield::routing::{Routes, get};
use axum::extract::Path;

/// Anyone's export, to anyone: no `Principal`, not `#[public]`.
async fn export(Path(id): Path<u64>) -> String {
    format!("everything about {id}")
}

fn main() {
    let _routes: Routes = Routes::new().route("/exports/{id}", get(export));
}
