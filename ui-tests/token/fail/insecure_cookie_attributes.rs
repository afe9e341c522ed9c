use apishield::auth::token::TokenCookie;

fn main() {
    // A token cookie is always `__Host-`, `Secure`, `HttpOnly`, `Path=/`,
    // without `Domain`: there is nothing to turn off.
    let cookie = TokenCookie::new("access").unwrap();
    let _ = cookie.clone().secure(false);
    let _ = cookie.clone().http_only(false);
    let _ = cookie.clone().domain("example.com");
    let _ = cookie.path("/api");
}
