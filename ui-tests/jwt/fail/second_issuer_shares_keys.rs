use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtKey, JwtValidator};

fn main() {
    let secret = HmacSecret::generate().unwrap();
    let key = JwtKey::hmac(JwtAlgorithm::HS256, &secret).unwrap();
    // Two identity providers on one key set: either could sign the other's tokens.
    let _validator = JwtValidator::builder(key)
        .issuer("https://a.example.com")
        .issuer("https://b.example.com")
        .audience("api")
        .build();
}
