use apishield::prelude::*;
use apishield::routing::{Routes, get};

#[public]
async fn me(principal: Principal) -> String {
    principal.subject().to_owned()
}

fn main() {
    let _routes: Routes = Routes::new().route("/me", get(me));
}
