// `SecureJson` and `SecureQuery` read into a buffer they drop: the type they
// extract must own its data. A `Cow<'a, str>` field borrows from the input,
// which `from_json` on a buffer of your own allows, an extractor does not.
use std::borrow::Cow;

use apishield::axum::{SecureJson, SecureQuery};
use apishield::prelude::*;
use axum::Router;
use axum::routing::post;

#[secure_request]
pub struct Rename<'a> {
    #[shield(len = 1..=40)]
    pub name: Cow<'a, str>,
}

async fn rename(SecureJson(rename): SecureJson<Rename<'static>>) -> String {
    rename.name.into_owned()
}

async fn search(SecureQuery(rename): SecureQuery<Rename<'static>>) -> String {
    rename.name.into_owned()
}

fn main() {
    let _: Router = Router::new().route("/rename", post(rename)).route("/search", post(search));
    // Parsing a buffer of your own borrows from it, and is fine.
    let body = br#"{"name":"Ada"}"#.to_vec();
    let _ = Rename::from_json(&body);
}
