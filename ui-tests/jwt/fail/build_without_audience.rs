use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtKey, JwtValidator};

fn main() {
    let key = JwtKey::hmac(JwtAlgorithm::HS256, &HmacSecret::generate().unwrap()).unwrap();
    let _validator = JwtValidator::builder(key).issuer("https://auth.example.com").build();
}
