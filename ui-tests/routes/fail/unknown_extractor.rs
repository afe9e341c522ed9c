use apishield::prelude::*;
use apishield::routing::{Routes, get};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;

/// An extractor apishield does not know: does it authenticate?
pub struct Tenant(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Tenant {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Tenant(String::new()))
    }
}

async fn list(principal: Principal, Tenant(_t): Tenant) -> String {
    principal.subject().to_owned()
}

fn main() {
    let _routes: Routes = Routes::new().route("/orders", get(list));
}
