//! `Routes::secure_stack`: the safe defaults, authentication and a rate
//! limit in one `Router::layer` call. It must record the same facts and
//! answer the same as the three calls it replaces.

use std::net::SocketAddr;

use apishield::auth::jwt::{HmacSecret, JwtAlgorithm, JwtIssuer, JwtKey, JwtSigningKey, JwtValidator};
use apishield::axum::{AuthenticationLayer, HttpsLayer, RateLimitLayer, SafeDefaults};
use apishield::prelude::*;
use apishield::rate_limit::{MemoryRateLimiter, RateLimitPolicy};
use apishield::routing::Routes;

const ISS: &str = "https://id.example.com";
const AUD: &str = "orders";

fn defaults() -> SafeDefaults {
    SafeDefaults::new(cors! { origins: ["https://app.example.com"], methods: [GET, POST] })
        .https(HttpsLayer::new().allow_plain_loopback())
}

fn rate_limit() -> RateLimitLayer {
    RateLimitLayer::new(MemoryRateLimiter::new(RateLimitPolicy::free()))
        .anonymous(MemoryRateLimiter::new(RateLimitPolicy::unauthenticated()))
}

fn keys() -> (JwtIssuer, JwtValidator) {
    let secret = HmacSecret::generate().unwrap();
    let signing = JwtSigningKey::hmac(JwtAlgorithm::HS256, &secret).unwrap();
    let key = JwtKey::hmac(JwtAlgorithm::HS256, &secret).unwrap();
    (JwtIssuer::new(signing, ISS, AUD), JwtValidator::builder(key).issuer(ISS).audience(AUD).build())
}

fn one_call(validator: JwtValidator) -> Routes {
    super::http::routes().secure_stack(defaults(), AuthenticationLayer::new().jwt(validator), rate_limit())
}

fn three_calls(validator: JwtValidator) -> Routes {
    super::http::routes().layer(rate_limit()).layer(AuthenticationLayer::new().jwt(validator)).safe_defaults(defaults())
}

#[test]
fn it_records_what_the_three_calls_record() {
    let (_, validator) = keys();
    let one = serde_json::to_value(one_call(validator.clone()).entries()).unwrap();
    let three = serde_json::to_value(three_calls(validator).entries()).unwrap();
    assert_eq!(one, three);
    assert_eq!(one[0]["layers"].as_array().unwrap().len(), 4, "rate limit, authentication, defaults, HTTPS");
}

async fn serve(routes: Routes) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = routes.into_router().into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}

/// Status and the headers that tell which layers ran, with the id and the
/// dates (which differ per request) left out.
async fn answer(addr: SocketAddr, path: &str, token: Option<&str>) -> (u16, Vec<(String, String)>) {
    let mut request =
        reqwest::Client::new().get(format!("http://{addr}{path}")).header("origin", "https://app.example.com");
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    let mut headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| {
            !["date", "x-request-id", "content-length", "x-ratelimit-reset", "ratelimit"].contains(&name.as_str())
        })
        .map(|(name, value)| (name.as_str().to_owned(), value.to_str().unwrap_or("").to_owned()))
        .collect();
    headers.sort();
    (response.status().as_u16(), headers)
}

#[tokio::test]
async fn it_answers_as_the_three_calls_answer() {
    let (issuer, validator) = keys();
    let one = serve(one_call(validator.clone())).await;
    let three = serve(three_calls(validator)).await;
    let token = issuer.token("ada").scopes(["orders:write"]).sign().unwrap().expose_secret().to_owned();
    for (path, token) in
        [("/orders", Some(token.as_str())), ("/orders", None), ("/orders", Some("not-a-jwt")), ("/health", None)]
    {
        let (a, b) = (answer(one, path, token).await, answer(three, path, token).await);
        assert_eq!(a, b, "{path} with {token:?}");
    }
    // What the layers add is there: the rate limit, the security headers, CORS.
    let (status, headers) = answer(one, "/orders", Some(&token)).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = headers.iter().map(|(n, _)| n.as_str()).collect();
    for expected in ["ratelimit-policy", "x-content-type-options", "access-control-allow-origin"] {
        assert!(names.contains(&expected), "{expected} in {names:?}");
    }
}
