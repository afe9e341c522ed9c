//! Authentication per request.
//!
//! * `jwt_rs256`, `jwt_es256`: `JwtValidator::validate` against bare
//!   `jsonwebtoken::decode` into a typed claims struct with the closest
//!   `Validation` jsonwebtoken offers (same algorithm and key, `aud`, `iss`,
//!   required `sub`/`exp`/`iss`/`aud`, `nbf` checked, 30 s leeway). The
//!   validator does more (strict JSON, `iat`, lifetime, `crit`, `typ`, kid
//!   syntax); the goal is to cost at most 5 % more.
//! * `jwks`: the same ES256 validation with the keys from a `RemoteJwks`
//!   (fetched once from a canned JWK set on loopback) against fixed keys:
//!   the cost of the remote key source on the hot path, meant to be none.
//! * `api_key`: `ApiKeyVerifier::verify` against the memory store (the
//!   whole per-request check), and with the header parse, against a bare
//!   SHA-256 of the key (the floor: the hash any verification needs).
//!
//! ```text
//! cargo bench -p apishield-benches --bench auth
//! ```
//!
//! On a shared, noisy machine the steadier ratio is in instructions: with
//! `APISHIELD_CALLGRIND=1` the binary runs each contender a fixed number of
//! times inside its own `ir_*` function and exits, for
//!
//! ```text
//! APISHIELD_CALLGRIND=1 valgrind --tool=callgrind --toggle-collect='*ir_*' target/release/deps/auth-<hash> --bench
//! callgrind_annotate --inclusive=yes callgrind.out.<pid> | grep ir_
//! ```

#![allow(clippy::unwrap_used)] // a benchmark's unwrap is its setup assertion

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use apishield::auth::api_key::{
    ApiKey, ApiKeyEnvironment, ApiKeyIssuer, ApiKeyKind, ApiKeyVerifier, MemoryApiKeyStore,
};
use apishield::auth::jwt::{JwtAlgorithm, JwtIssuer, JwtKey, JwtSigningKey, JwtValidator, RemoteJwks};
use criterion::{Criterion, criterion_group};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use sha2::{Digest, Sha256};

const ISS: &str = "https://auth.example.com";
const AUD: &str = "orders-api";

fn key_file(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/keys").join(name);
    std::fs::read(path).expect("committed test key")
}

/// What a jsonwebtoken user deserializes into.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Claims {
    sub: String,
    iss: String,
    aud: String,
    exp: u64,
    iat: u64,
    jti: String,
    roles: Vec<String>,
    scope: String,
}

fn jwt_group(c: &mut Criterion, name: &str, alg: JwtAlgorithm, private: &str, public: &str) {
    let signing = JwtSigningKey::from_pem(alg, &key_file(private)).unwrap().with_kid("k1").unwrap();
    let issuer = JwtIssuer::new(signing, ISS, AUD);
    let token = issuer.token("user-42").roles(["editor"]).scopes(["orders:read", "orders:write"]).sign().unwrap();
    let token = token.expose_secret().as_str();

    // The full check, as jsonwebtoken does it: the verified-token cache off.
    let ours = JwtValidator::builder(JwtKey::from_pem(alg, &key_file(public)).unwrap().with_kid("k1").unwrap())
        .issuer(ISS)
        .audience(AUD)
        .verified_token_cache(0)
        .build();
    // The default: the same token again is a hit of the cache.
    let cached = JwtValidator::builder(JwtKey::from_pem(alg, &key_file(public)).unwrap().with_kid("k1").unwrap())
        .issuer(ISS)
        .audience(AUD)
        .build();
    let (bare_alg, bare_key) = match alg {
        JwtAlgorithm::RS256 => (Algorithm::RS256, DecodingKey::from_rsa_pem(&key_file(public)).unwrap()),
        _ => (Algorithm::ES256, DecodingKey::from_ec_pem(&key_file(public)).unwrap()),
    };
    let mut validation = Validation::new(bare_alg);
    validation.set_audience(&[AUD]);
    validation.set_issuer(&[ISS]);
    validation.set_required_spec_claims(&["sub", "exp", "iss", "aud"]);
    validation.validate_nbf = true;
    validation.leeway = 30;

    // Fail loudly rather than benchmark a rejection.
    assert!(ours.validate(token).is_ok());
    assert!(jsonwebtoken::decode::<Claims>(token, &bare_key, &validation).is_ok());

    let mut g = c.benchmark_group(name);
    g.bench_function("a_jsonwebtoken_decode", |b| {
        b.iter(|| jsonwebtoken::decode::<Claims>(black_box(token), &bare_key, &validation))
    });
    g.bench_function("b_apishield_validate", |b| b.iter(|| ours.validate(black_box(token))));
    g.bench_function("c_apishield_validate_principal", |b| {
        b.iter(|| ours.validate(black_box(token)).map(|t| t.principal()))
    });
    g.bench_function("d_apishield_validate_seen_before", |b| b.iter(|| cached.validate(black_box(token))));
    g.finish();
}

fn rs256(c: &mut Criterion) {
    jwt_group(c, "jwt_rs256", JwtAlgorithm::RS256, "test_rsa_private.pem", "test_rsa_public.pem");
}

fn es256(c: &mut Criterion) {
    jwt_group(c, "jwt_es256", JwtAlgorithm::ES256, "test_ec_p256_private.pem", "test_ec_p256_public.pem");
}

/// Serves `body` as a JSON 200 to every connection on a loopback port, from
/// a thread; returns the URL.
fn canned_server(body: String) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/jwks", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).and_then(|()| stream.write_all(body.as_bytes()));
        }
    });
    url
}

/// A validator whose keys a `RemoteJwks` fetched (once) from a loopback
/// server holding the ES256 test key as `k1`.
fn remote_es256_validator() -> JwtValidator {
    let private = key_file("test_ec_p256_private.pem");
    let encoding = jsonwebtoken::EncodingKey::from_ec_pem(&private).unwrap();
    let mut jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&encoding, Algorithm::ES256).unwrap();
    jwk.common.key_id = Some("k1".to_owned());
    let url = canned_server(serde_json::json!({ "keys": [jwk] }).to_string());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let remote = RemoteJwks::jwks_uri(url, [JwtAlgorithm::ES256]).allow_loopback_http().background_refresh(false);
    let remote = runtime.block_on(remote.fetch()).unwrap();
    JwtValidator::builder(remote).issuer(ISS).audience(AUD).verified_token_cache(0).build()
}

fn jwks(c: &mut Criterion) {
    let (private, public) = (key_file("test_ec_p256_private.pem"), key_file("test_ec_p256_public.pem"));
    let signing = JwtSigningKey::from_pem(JwtAlgorithm::ES256, &private).unwrap().with_kid("k1").unwrap();
    let token = JwtIssuer::new(signing, ISS, AUD).token("user-42").roles(["editor"]).sign().unwrap();
    let token = token.expose_secret().as_str();

    let fixed = JwtValidator::builder(JwtKey::from_pem(JwtAlgorithm::ES256, &public).unwrap().with_kid("k1").unwrap())
        .issuer(ISS)
        .audience(AUD)
        .verified_token_cache(0)
        .build();
    let fetched = remote_es256_validator();
    assert!(fixed.validate(token).is_ok());
    assert!(fetched.validate(token).is_ok());
    assert!(now(fetched.validate_async(token)).is_ok());

    let mut g = c.benchmark_group("jwks");
    g.bench_function("a_fixed_keys_validate", |b| b.iter(|| fixed.validate(black_box(token))));
    g.bench_function("b_remote_jwks_validate", |b| b.iter(|| fetched.validate(black_box(token))));
    g.bench_function("c_remote_jwks_validate_async", |b| b.iter(|| now(fetched.validate_async(black_box(token)))));
    g.finish();
}

/// Runs a future that never waits (the memory store answers at once; a
/// known `kid` never fetches).
fn now<F: Future>(future: F) -> F::Output {
    match pin!(future).poll(&mut Context::from_waker(Waker::noop())) {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the memory store never waits"),
    }
}

fn api_key(c: &mut Criterion) {
    let store = MemoryApiKeyStore::new();
    let issuer = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live);
    // A store with other keys in it, as in production.
    for i in 0..10_000 {
        now(issuer.issue(ApiKeyKind::Secret, &format!("user-{i}"), ["orders:read"])).unwrap();
    }
    let (key, _) = now(issuer.issue(ApiKeyKind::Secret, "user-42", ["orders:read", "orders:write"])).unwrap();
    let header = format!("ApiKey {}", key.expose_secret());
    let verifier = ApiKeyVerifier::new(store, ApiKeyEnvironment::Live);
    assert!(now(verifier.verify(&key, Some("orders:read"))).is_ok());

    let mut g = c.benchmark_group("api_key");
    g.bench_function("a_sha256_of_key", |b| b.iter(|| Sha256::digest(black_box(key.expose_secret()).as_bytes())));
    g.bench_function("b_verify", |b| b.iter(|| now(verifier.verify(black_box(&key), Some("orders:read")))));
    g.bench_function("c_parse_header_and_verify", |b| {
        b.iter(|| {
            let key = ApiKey::from_authorization(black_box(&header)).unwrap();
            now(verifier.verify(&key, Some("orders:read")))
        })
    });
    g.finish();
}

criterion_group!(benches, rs256, es256, jwks, api_key);

fn main() {
    if std::env::var_os("APISHIELD_CALLGRIND").is_some() {
        callgrind::run();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}

/// Fixed iteration counts per contender, each in its own never-inlined
/// function, so callgrind's inclusive cost of `ir_*` divided by the count is
/// instructions per call.
mod callgrind {
    use super::*;

    const JWT_RUNS: usize = 50;
    const KEY_RUNS: usize = 2_000;

    // The tag keeps the per-algorithm wrappers from being merged into one
    // function by the optimizer (identical bodies are folded).
    fn bare(tag: &str, token: &str, key: &DecodingKey, validation: &Validation) {
        black_box(tag);
        for _ in 0..JWT_RUNS {
            assert!(jsonwebtoken::decode::<Claims>(black_box(token), key, validation).is_ok());
        }
    }

    fn ours(tag: &str, token: &str, validator: &JwtValidator) {
        black_box(tag);
        for _ in 0..JWT_RUNS {
            assert!(validator.validate(black_box(token)).is_ok());
        }
    }

    #[inline(never)]
    fn ir_rs256_jsonwebtoken(token: &str, key: &DecodingKey, validation: &Validation) {
        bare("rs256", token, key, validation);
    }

    #[inline(never)]
    fn ir_rs256_apishield(token: &str, validator: &JwtValidator) {
        ours("rs256", token, validator);
    }

    #[inline(never)]
    fn ir_es256_jsonwebtoken(token: &str, key: &DecodingKey, validation: &Validation) {
        bare("es256", token, key, validation);
    }

    #[inline(never)]
    fn ir_es256_apishield(token: &str, validator: &JwtValidator) {
        ours("es256", token, validator);
    }

    #[inline(never)]
    fn ir_es256_remote_jwks(token: &str, validator: &JwtValidator) {
        ours("es256-remote", token, validator);
    }

    #[inline(never)]
    fn ir_sha256(key: &ApiKey) {
        for _ in 0..KEY_RUNS {
            black_box(Sha256::digest(black_box(key.expose_secret()).as_bytes()));
        }
    }

    #[inline(never)]
    fn ir_api_key_verify(key: &ApiKey, verifier: &ApiKeyVerifier<MemoryApiKeyStore>) {
        for _ in 0..KEY_RUNS {
            assert!(now(verifier.verify(black_box(key), Some("orders:read"))).is_ok());
        }
    }

    pub(super) fn run() {
        for (alg, private, public) in [
            (JwtAlgorithm::RS256, "test_rsa_private.pem", "test_rsa_public.pem"),
            (JwtAlgorithm::ES256, "test_ec_p256_private.pem", "test_ec_p256_public.pem"),
        ] {
            let signing = JwtSigningKey::from_pem(alg, &key_file(private)).unwrap().with_kid("k1").unwrap();
            let token = JwtIssuer::new(signing, ISS, AUD)
                .token("user-42")
                .roles(["editor"])
                .scopes(["orders:read", "orders:write"])
                .sign()
                .unwrap();
            // The full check each time, as jsonwebtoken's.
            let validator =
                JwtValidator::builder(JwtKey::from_pem(alg, &key_file(public)).unwrap().with_kid("k1").unwrap())
                    .issuer(ISS)
                    .audience(AUD)
                    .verified_token_cache(0)
                    .build();
            let (bare_alg, bare_key) = match alg {
                JwtAlgorithm::RS256 => (Algorithm::RS256, DecodingKey::from_rsa_pem(&key_file(public)).unwrap()),
                _ => (Algorithm::ES256, DecodingKey::from_ec_pem(&key_file(public)).unwrap()),
            };
            let mut validation = Validation::new(bare_alg);
            validation.set_audience(&[AUD]);
            validation.set_issuer(&[ISS]);
            validation.set_required_spec_claims(&["sub", "exp", "iss", "aud"]);
            validation.validate_nbf = true;
            validation.leeway = 30;
            eprintln!("{alg}: {JWT_RUNS} runs each");
            if alg == JwtAlgorithm::RS256 {
                ir_rs256_jsonwebtoken(token.expose_secret(), &bare_key, &validation);
                ir_rs256_apishield(token.expose_secret(), &validator);
            } else {
                ir_es256_jsonwebtoken(token.expose_secret(), &bare_key, &validation);
                ir_es256_apishield(token.expose_secret(), &validator);
                ir_es256_remote_jwks(token.expose_secret(), &remote_es256_validator());
            }
        }

        let store = MemoryApiKeyStore::new();
        let issuer = ApiKeyIssuer::new(store.clone(), ApiKeyEnvironment::Live);
        let (key, _) = now(issuer.issue(ApiKeyKind::Secret, "user-42", ["orders:read", "orders:write"])).unwrap();
        let verifier = ApiKeyVerifier::new(store, ApiKeyEnvironment::Live);
        eprintln!("API key: {KEY_RUNS} runs each");
        ir_sha256(&key);
        ir_api_key_verify(&key, &verifier);
    }
}
