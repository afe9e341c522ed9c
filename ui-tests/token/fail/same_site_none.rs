use apishield::auth::token::{SameSite, TokenCookie};

fn main() {
    // A token cookie sent with cross-site requests is what CSRF is made of.
    let _ = TokenCookie::new("access").unwrap().same_site(SameSite::None);
}
