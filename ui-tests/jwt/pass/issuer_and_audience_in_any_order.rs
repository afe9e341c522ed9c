use apishield::auth::jwt::{ExternalIssuer, HmacSecret, JwtAlgorithm, JwtKey, JwtValidator};

fn main() {
    let secret = HmacSecret::generate().unwrap();
    let key = JwtKey::hmac(JwtAlgorithm::HS256, &secret).unwrap();
    let _a = JwtValidator::builder(key.clone()).issuer("https://auth.example.com").audience("api").build();
    let _b = JwtValidator::builder(key.clone()).audience("api").issuer("https://auth.example.com").build();
    let partner = JwtKey::hmac(JwtAlgorithm::HS256, &HmacSecret::generate().unwrap()).unwrap();
    let _c = JwtValidator::builder(key)
        .leeway(std::time::Duration::from_secs(10))
        .external_issuer(ExternalIssuer::new("https://b.example.com", partner.clone()))
        .issuer("https://a.example.com")
        .external_issuer(ExternalIssuer::new("https://c.example.com", partner).trust_roles())
        .audience("api")
        .token_type("at+jwt")
        .build();
}
