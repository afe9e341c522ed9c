use apishield::prelude::*;

#[requires_role]
async fn none() {}

#[requires_role("")]
async fn empty() {}

#[requires_role("admin", "admin", "super user")]
async fn repeated(principal: Principal) {
    let _ = principal;
}

#[requires_role(admin)]
async fn not_a_string() {}

#[requires_role("admin")]
#[requires_role("support")]
async fn twice() {}

#[public]
#[requires_scope("orders:read")]
async fn public_and_scoped() {}

#[requires_scope("orders:read")]
struct NotAHandler;

fn main() {}
