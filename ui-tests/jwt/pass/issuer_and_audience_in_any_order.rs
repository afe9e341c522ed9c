use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtKey, JwtValidator};

fn main() {
    let secret = HmacSecret::generate().unwrap();
    let key = JwtKey::hmac(JwtAlgorithm::HS256, &secret).unwrap();
    let _a = JwtValidator::builder(key.clone()).issuer("https://auth.example.com").audience("api").build();
    let _b = JwtValidator::builder(key.clone()).audience("api").issuer("https://auth.example.com").build();
    let _c = JwtValidator::builder(key)
        .leeway(std::time::Duration::from_secs(10))
        .issuer("https://a.example.com")
        .issuer("https://b.example.com")
        .audience("api")
        .token_type("at+jwt")
        .build();
}
