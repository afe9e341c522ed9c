//! Arbitrary bytes as an identity provider's JWK set (what `RemoteJwks`
//! fetches from the network): never a panic; a set that loads holds at least
//! one key, each with a plain `kid` and one of the configured algorithms,
//! never an HMAC one.
#![no_main]

use apishield::auth::jwt::{JwtAlgorithm, JwtKeys, is_valid_kid};
use libfuzzer_sys::fuzz_target;

const CONFIGURED: [JwtAlgorithm; 4] = [JwtAlgorithm::RS256, JwtAlgorithm::ES256, JwtAlgorithm::ES384, JwtAlgorithm::EdDSA];

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(keys) = JwtKeys::from_jwk_set(text, &CONFIGURED) else { return };
    assert!(!keys.is_empty());
    assert_eq!(keys.kids().count(), keys.len(), "every key from a JWK set has a kid");
    assert!(keys.kids().all(is_valid_kid));
    assert!(keys.algorithms().all(|alg| CONFIGURED.contains(&alg)));
});
