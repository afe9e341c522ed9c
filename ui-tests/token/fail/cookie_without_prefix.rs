use apishield::auth::token::{SameSite, TokenCookie};

fn main() {
    // The name (with its `__Host-` prefix) and attributes are set by
    // `TokenCookie::new` only.
    let _ = TokenCookie { name: String::from("access"), same_site: SameSite::Strict };
}
