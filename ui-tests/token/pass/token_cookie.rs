use std::time::Duration;

use apishield::auth::token::{CsrfPolicy, SameSite, TokenCookie};

fn main() {
    let strict = TokenCookie::new("access").unwrap();
    let lax = TokenCookie::new("refresh").unwrap().same_site(SameSite::Lax);
    let _ = strict.set("eyJ.a.b", Duration::from_secs(900)).unwrap();
    let _ = lax.clear();
    let _ = CsrfPolicy::new(["https://app.example.com"]).unwrap();
}
