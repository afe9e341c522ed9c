//! JwtValidator and JwtIssuer doing their job: every supported algorithm and
//! key format, JWK sets with kid selection and rotation, the principal a
//! token makes, RFC 7515's example tokens, and configuration mistakes
//! refused at startup.

use crate::support as auth_support;

use std::time::Duration;

use apishield::Principal;
use apishield::auth::jwt::{
    Claim, HmacSecret, JwtAlgorithm, JwtError, JwtIssuer, JwtKey, JwtKeyError, JwtKeys, JwtSigningKey, JwtValidator,
};
use auth_support::{AUD, ISS, NOW, fixture, rsa_issuer, rsa_validator};

fn pair(alg: JwtAlgorithm, private: &str, public: &str, kid: &str) -> (JwtIssuer, JwtValidator) {
    let signing = JwtSigningKey::from_pem(alg, &fixture(private)).unwrap().with_kid(kid).unwrap();
    let key = JwtKey::from_pem(alg, &fixture(public)).unwrap().with_kid(kid).unwrap();
    (JwtIssuer::new(signing, ISS, AUD), JwtValidator::builder(key).issuer(ISS).audience(AUD).build())
}

#[test]
fn decoding_works_without_installing_a_crypto_provider() {
    // jsonwebtoken panics at first use when its process-wide provider cannot
    // be chosen; the validator names its backend explicitly, so the very
    // first decode in a fresh process works.
    let token = rsa_issuer().issue("user-42").unwrap();
    let valid = rsa_validator().validate(token.expose_secret()).unwrap();
    assert_eq!(valid.subject(), "user-42");
}

#[test]
fn every_asymmetric_algorithm_round_trips_from_pem() {
    for (alg, private, public) in [
        (JwtAlgorithm::RS256, "test_rsa_private.pem", "test_rsa_public.pem"),
        (JwtAlgorithm::RS384, "test_rsa_private.pem", "test_rsa_public.pem"),
        (JwtAlgorithm::RS512, "test_rsa_private.pem", "test_rsa_public.pem"),
        (JwtAlgorithm::PS256, "test_rsa_private.pem", "test_rsa_public.pem"),
        (JwtAlgorithm::PS384, "test_rsa_private.pem", "test_rsa_public.pem"),
        (JwtAlgorithm::PS512, "test_rsa_private.pem", "test_rsa_public.pem"),
        (JwtAlgorithm::ES256, "test_ec_p256_private.pem", "test_ec_p256_public.pem"),
        (JwtAlgorithm::ES384, "test_ec_p384_private.pem", "test_ec_p384_public.pem"),
        (JwtAlgorithm::EdDSA, "test_ed25519_private.pem", "test_ed25519_public.pem"),
    ] {
        let (issuer, validator) = pair(alg, private, public, "k1");
        let token = issuer.issue("user-42").unwrap();
        let valid = validator.validate(token.expose_secret()).unwrap_or_else(|e| panic!("{alg}: {e}"));
        assert_eq!(valid.algorithm(), alg);
        assert_eq!(valid.kid(), Some("k1"));
        // The signing key's own public half verifies too.
        let derived = issuer.signing_key().verification_key().unwrap();
        let validator = JwtValidator::builder(derived).issuer(ISS).audience(AUD).build();
        assert!(validator.validate(token.expose_secret()).is_ok(), "{alg}");
    }
}

#[test]
fn hmac_round_trips_with_a_secret_from_a_file() {
    let dir = std::env::temp_dir().join(format!("apishield-hmac-rt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("jwt"), format!("{}\n", "s".repeat(64))).unwrap();
    let secret = HmacSecret::from_file(dir.join("jwt")).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    for alg in [JwtAlgorithm::HS256, JwtAlgorithm::HS384, JwtAlgorithm::HS512] {
        let issuer = JwtIssuer::new(JwtSigningKey::hmac(alg, &secret).unwrap(), ISS, AUD);
        let validator = JwtValidator::builder(JwtKey::hmac(alg, &secret).unwrap()).issuer(ISS).audience(AUD).build();
        let token = issuer.issue("svc").unwrap();
        assert_eq!(validator.validate(token.expose_secret()).unwrap().algorithm(), alg);
    }
}

#[test]
fn hmac_secrets_must_be_as_long_as_the_hash() {
    let dir = std::env::temp_dir().join(format!("apishield-hmac-len-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("jwt"), "s".repeat(40)).unwrap();
    let secret = HmacSecret::from_file(dir.join("jwt")).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(JwtKey::hmac(JwtAlgorithm::HS256, &secret).is_ok());
    assert_eq!(JwtKey::hmac(JwtAlgorithm::HS384, &secret).unwrap_err(), JwtKeyError::SecretTooShort { min: 48 });
    assert_eq!(JwtSigningKey::hmac(JwtAlgorithm::HS512, &secret).unwrap_err(), JwtKeyError::SecretTooShort { min: 64 });
    assert_eq!(JwtKey::hmac(JwtAlgorithm::RS256, &secret).unwrap_err(), JwtKeyError::AlgorithmMismatch);
}

#[test]
fn der_keys_load_like_pem() {
    let (issuer, _) = pair(JwtAlgorithm::RS256, "test_rsa_private.pem", "test_rsa_public.pem", "k");
    let rsa = JwtKey::from_der(JwtAlgorithm::RS256, &fixture("test_rsa_public.der")).unwrap().with_kid("k").unwrap();
    let validator = JwtValidator::builder(rsa).issuer(ISS).audience(AUD).build();
    assert!(validator.validate(issuer.issue("u").unwrap().expose_secret()).is_ok());

    let (issuer, _) = pair(JwtAlgorithm::ES256, "test_ec_p256_private.pem", "test_ec_p256_public.pem", "k");
    let ec = JwtKey::from_der(JwtAlgorithm::ES256, &fixture("test_ec_p256_public.der")).unwrap().with_kid("k").unwrap();
    let validator = JwtValidator::builder(ec).issuer(ISS).audience(AUD).build();
    assert!(validator.validate(issuer.issue("u").unwrap().expose_secret()).is_ok());
}

#[test]
fn key_mistakes_are_refused_at_startup() {
    let rsa = fixture("test_rsa_public.pem");
    assert_eq!(
        JwtKey::from_pem(JwtAlgorithm::RS256, &fixture("test_rsa1024_public.pem")).unwrap_err(),
        JwtKeyError::WeakRsaKey
    );
    assert_eq!(
        JwtKey::from_pem(JwtAlgorithm::RS256, &fixture("test_rsa_private.pem")).unwrap_err(),
        JwtKeyError::PrivateKeyMaterial
    );
    assert_eq!(JwtKey::from_pem(JwtAlgorithm::HS256, &rsa).unwrap_err(), JwtKeyError::AlgorithmMismatch);
    assert_eq!(JwtKey::from_pem(JwtAlgorithm::ES256, &rsa).unwrap_err(), JwtKeyError::InvalidKey);
    assert_eq!(
        JwtKey::from_pem(JwtAlgorithm::ES256, &fixture("test_ec_p384_public.pem")).unwrap_err(),
        JwtKeyError::InvalidKey,
        "a P-384 key is not an ES256 key"
    );
    assert_eq!(JwtKey::from_pem(JwtAlgorithm::RS256, b"not a pem").unwrap_err(), JwtKeyError::InvalidKey);
    assert_eq!(JwtKey::from_der(JwtAlgorithm::RS256, b"\x30\x03\x02\x01\x01").unwrap_err(), JwtKeyError::InvalidKey);
    assert_eq!(
        JwtKey::from_pem(JwtAlgorithm::RS256, &rsa).unwrap().with_kid("../etc").unwrap_err(),
        JwtKeyError::InvalidKid
    );
    assert_eq!(JwtSigningKey::from_pem(JwtAlgorithm::RS256, &rsa).unwrap_err(), JwtKeyError::InvalidKey);

    let a = JwtKey::from_pem(JwtAlgorithm::RS256, &rsa).unwrap();
    assert_eq!(JwtKeys::new([a.clone(), a.clone()]).unwrap_err(), JwtKeyError::AmbiguousKeys);
    let k = a.clone().with_kid("k").unwrap();
    assert_eq!(JwtKeys::new([k.clone(), k]).unwrap_err(), JwtKeyError::DuplicateKid);
    assert_eq!(JwtKeys::new([]).unwrap_err(), JwtKeyError::NoKeys);
}

#[test]
fn kid_selects_the_key_and_rotation_swaps_the_set() {
    let (old_issuer, _) = pair(JwtAlgorithm::RS256, "test_rsa_private.pem", "test_rsa_public.pem", "2024-01");
    let (new_issuer, _) = pair(JwtAlgorithm::ES256, "test_ec_p256_private.pem", "test_ec_p256_public.pem", "2024-02");
    let old_key = old_issuer.signing_key().verification_key().unwrap();
    let new_key = new_issuer.signing_key().verification_key().unwrap();

    let validator = JwtValidator::builder(old_key.clone()).issuer(ISS).audience(AUD).build();
    let old_token = old_issuer.issue("u").unwrap();
    let new_token = new_issuer.issue("u").unwrap();
    assert!(validator.validate(old_token.expose_secret()).is_ok());
    assert_eq!(validator.validate(new_token.expose_secret()).unwrap_err(), JwtError::AlgorithmNotAllowed);

    // Both keys during the overlap: each token selects its own key by kid.
    let shared = validator.clone();
    validator.replace_keys(JwtKeys::new([old_key, new_key.clone()]).unwrap());
    assert_eq!(shared.validate(old_token.expose_secret()).unwrap().kid(), Some("2024-01"));
    assert_eq!(shared.validate(new_token.expose_secret()).unwrap().kid(), Some("2024-02"));

    // A token without kid is ambiguous with two keys.
    let no_kid = JwtIssuer::new(
        JwtSigningKey::from_pem(JwtAlgorithm::ES256, &fixture("test_ec_p256_private.pem")).unwrap(),
        ISS,
        AUD,
    );
    assert_eq!(shared.validate(no_kid.issue("u").unwrap().expose_secret()).unwrap_err(), JwtError::MissingKid);

    // The old key retired.
    validator.replace_keys(new_key);
    assert_eq!(shared.validate(old_token.expose_secret()).unwrap_err(), JwtError::AlgorithmNotAllowed);
    assert!(shared.validate(new_token.expose_secret()).is_ok());
}

#[test]
fn jwk_sets_are_read_by_kid_with_configured_algorithms() {
    // RFC 7515 A.2's RSA key and A.3's P-256 key, as a provider publishes them.
    let rfc_n = "ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ";
    let set = format!(
        r#"{{"keys":[
            {{"kty":"RSA","kid":"rsa","use":"sig","alg":"RS256","n":"{rfc_n}","e":"AQAB"}},
            {{"kty":"EC","kid":"ec","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}},
            {{"kty":"RSA","kid":"enc","use":"enc","n":"{rfc_n}","e":"AQAB"}},
            {{"kty":"RSA","kid":"ps","alg":"PS256","n":"{rfc_n}","e":"AQAB"}},
            {{"kty":"EC","kid":"weird","crv":"P-521","x":"AA","y":"AA"}},
            {{"kty":"RSA","n":"{rfc_n}","e":"AQAB","alg":"RS256"}}
        ]}}"#
    );
    let keys = JwtKeys::from_jwk_set(&set, &[JwtAlgorithm::RS256, JwtAlgorithm::ES256]).unwrap();
    let mut kids: Vec<_> = keys.kids().collect();
    kids.sort_unstable();
    assert_eq!(kids, ["ec", "rsa"], "encryption, unconfigured, unsupported and kid-less keys are skipped");
    let validator = JwtValidator::builder(keys).issuer("joe").audience(AUD).build();

    // RFC 7515 A.2 and A.3 tokens, with the kid added to the header would
    // change the signature; without kid and two keys they are ambiguous.
    let a2 = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
    assert_eq!(validator.validate_at(a2, 1_300_819_000).unwrap_err(), JwtError::MissingKid);

    // Each RFC key alone: the RFC's signature verifies, then the token is
    // refused for what it lacks (no `sub`: it predates these rules).
    let a2_key = format!(r#"{{"keys":[{{"kty":"RSA","kid":"a2","n":"{rfc_n}","e":"AQAB"}}]}}"#);
    let rsa_only = JwtValidator::builder(JwtKeys::from_jwk_set(&a2_key, &[JwtAlgorithm::RS256]).unwrap())
        .issuer("joe")
        .audience(AUD)
        .build();
    assert_eq!(rsa_only.validate_at(a2, 1_300_819_000).unwrap_err(), JwtError::MissingClaim(Claim::Sub));
    let tampered_a2 = a2.replacen("cC4h", "cC4i", 1);
    assert_eq!(rsa_only.validate_at(&tampered_a2, 1_300_819_000).unwrap_err(), JwtError::BadSignature);

    let a3 = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
    let a3_key = r#"{"keys":[{"kty":"EC","kid":"a3","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;
    let ec_only = JwtValidator::builder(JwtKeys::from_jwk_set(a3_key, &[JwtAlgorithm::ES256]).unwrap())
        .issuer("joe")
        .audience(AUD)
        .build();
    assert_eq!(ec_only.validate_at(a3, 1_300_819_000).unwrap_err(), JwtError::MissingClaim(Claim::Sub));
    assert_eq!(
        ec_only.validate_at(&a3.replacen("DtEh", "DtEi", 1), 1_300_819_000).unwrap_err(),
        JwtError::BadSignature
    );
}

#[test]
fn rfc_7515_a1_hmac_token_verifies_with_its_key() {
    // The RFC's 64-byte key, loaded the only way a secret loads: from a file.
    use base64::Engine as _;
    let k = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
        .unwrap();
    let path = std::env::temp_dir().join(format!("apishield-rfc7515-{}", std::process::id()));
    std::fs::write(&path, &k).unwrap();
    let secret = HmacSecret::from_file(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let validator =
        JwtValidator::builder(JwtKey::hmac(JwtAlgorithm::HS256, &secret).unwrap()).issuer("joe").audience(AUD).build();
    let a1 = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
    assert_eq!(validator.validate_at(a1, 1_300_819_000).unwrap_err(), JwtError::MissingClaim(Claim::Sub));
    assert_eq!(
        validator.validate_at(&a1.replacen("dBjf", "dBjg", 1), 1_300_819_000).unwrap_err(),
        JwtError::BadSignature
    );
}

#[test]
fn jwk_sets_with_private_material_or_ambiguity_are_refused() {
    let d = r#"{"keys":[{"kty":"EC","kid":"a","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}]}"#;
    assert_eq!(JwtKeys::from_jwk_set(d, &[JwtAlgorithm::ES256]).unwrap_err(), JwtKeyError::PrivateKeyMaterial);
    let oct = r#"{"keys":[{"kty":"oct","kid":"h","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ"}]}"#;
    assert_eq!(JwtKeys::from_jwk_set(oct, &[JwtAlgorithm::HS256]).unwrap_err(), JwtKeyError::PrivateKeyMaterial);
    let rsa = r#"{"keys":[{"kty":"RSA","kid":"r","n":"AQAB","e":"AQAB"}]}"#;
    assert_eq!(
        JwtKeys::from_jwk_set(rsa, &[JwtAlgorithm::RS256, JwtAlgorithm::PS256]).unwrap_err(),
        JwtKeyError::AmbiguousAlgorithm
    );
    assert_eq!(JwtKeys::from_jwk_set(rsa, &[JwtAlgorithm::RS256]).unwrap_err(), JwtKeyError::WeakRsaKey);
    assert_eq!(JwtKeys::from_jwk_set(r#"{"keys":[]}"#, &[JwtAlgorithm::RS256]).unwrap_err(), JwtKeyError::NoKeys);
    for bad in ["", "[]", r#"{"keys":{}}"#, r#"{"keys":[1]}"#, r#"{"keys":[],"keys":[]}"#] {
        assert_eq!(
            JwtKeys::from_jwk_set(bad, &[JwtAlgorithm::RS256]).unwrap_err(),
            JwtKeyError::InvalidJwkSet,
            "{bad}"
        );
    }
}

#[test]
fn the_principal_comes_from_sub_roles_and_scopes() {
    let issuer = rsa_issuer();
    let validator = rsa_validator();
    let token =
        issuer.token("user-7").roles(["editor", "admin"]).scopes(["orders:read", "orders:write"]).sign().unwrap();
    let valid = validator.validate(token.expose_secret()).unwrap();
    let principal: Principal = valid.principal();
    assert_eq!(principal.subject(), "user-7");
    assert_eq!(principal.roles().collect::<Vec<_>>(), ["admin", "editor"]);
    assert_eq!(principal.scopes().collect::<Vec<_>>(), ["orders:read", "orders:write"]);
    assert!(principal.is_admin());
    assert_eq!(Principal::from(&valid), principal);

    // `scp` as an array and as a string, a single-string role, a namespaced
    // roles claim.
    let key =
        JwtKey::from_pem(JwtAlgorithm::RS256, &fixture("test_rsa_public.pem")).unwrap().with_kid("rsa-1").unwrap();
    let namespaced =
        JwtValidator::builder(key).issuer(ISS).audience(AUD).roles_claim("https://example.com/roles").build();
    let payload = format!(
        r#"{{"iss":"{ISS}","sub":"svc","aud":"{AUD}","iat":{NOW},"exp":{},"scp":["a","b"],"scope":"c d","https://example.com/roles":"auditor","roles":["ignored"]}}"#,
        NOW + 60
    );
    let token = auth_support::rs256(auth_support::RS_HEADER, &payload);
    let principal = namespaced.validate_at(&token, NOW).unwrap().principal();
    assert_eq!(principal.roles().collect::<Vec<_>>(), ["auditor"]);
    assert_eq!(principal.scopes().collect::<Vec<_>>(), ["a", "b", "c", "d"]);
    let scp_string = auth_support::rs256(auth_support::RS_HEADER, &auth_support::claims(r#""scp":"x y""#));
    assert_eq!(
        rsa_validator().validate_at(&scp_string, NOW).unwrap().principal().scopes().collect::<Vec<_>>(),
        ["x", "y"]
    );
}

#[test]
fn custom_claims_deserialize_into_your_type() {
    #[derive(serde::Deserialize)]
    struct Claims {
        sub: String,
        tenant: String,
    }
    let token = rsa_issuer().token("user-1").claim("tenant", "acme").sign().unwrap();
    let valid = rsa_validator().validate(token.expose_secret()).unwrap();
    let claims: Claims = valid.deserialize_claims().unwrap();
    assert_eq!((claims.sub.as_str(), claims.tenant.as_str()), ("user-1", "acme"));
    assert_eq!(valid.claim("tenant").unwrap(), "acme");
    assert_eq!(valid.issuer(), ISS);
    assert_eq!(valid.audience(), [AUD]);
    assert_eq!(valid.expires_at() - valid.issued_at(), 900);
    assert_eq!(valid.token_id().unwrap().len(), 22, "128 random bits, base64url");
}

#[test]
fn the_issuer_mints_the_defaults_and_refuses_reserved_claims() {
    let issuer = rsa_issuer().token_type("at+jwt");
    let token = issuer.issue("user-1").unwrap();
    let (header, rest) = token.expose_secret().split_once('.').unwrap();
    let header: serde_json::Value = serde_json::from_slice(&decode(header)).unwrap();
    assert_eq!(header, serde_json::json!({"alg": "RS256", "typ": "at+jwt", "kid": "rsa-1"}));
    let claims: serde_json::Value = serde_json::from_slice(&decode(rest.split_once('.').unwrap().0)).unwrap();
    for name in ["iss", "sub", "aud", "iat", "exp", "jti"] {
        assert!(claims.get(name).is_some(), "{name}");
    }
    assert_ne!(issuer.issue("user-1").unwrap().expose_secret(), token.expose_secret(), "fresh jti");

    use apishield::auth::jwt::JwtIssueError;
    for name in ["sub", "exp", "iat", "aud", "iss", "jti", "nbf", "roles", "scope"] {
        assert_eq!(issuer.token("u").claim(name, "x").sign().unwrap_err(), JwtIssueError::ReservedClaim, "{name}");
    }
    assert_eq!(issuer.issue("").unwrap_err(), JwtIssueError::EmptySubject);
    assert!(format!("{token:?}").contains("REDACTED"));
    let short = issuer.lifetime(Duration::from_secs(60)).issue("u").unwrap();
    // A validator that does not require a `typ` accepts any.
    assert!(rsa_validator().validate(short.expose_secret()).is_ok());
}

fn decode(segment: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(segment).unwrap()
}

#[test]
fn leeway_lifetime_and_size_are_configurable() {
    let key =
        JwtKey::from_pem(JwtAlgorithm::RS256, &fixture("test_rsa_public.pem")).unwrap().with_kid("rsa-1").unwrap();
    let validator = JwtValidator::builder(key)
        .issuer(ISS)
        .audience(AUD)
        .leeway(Duration::from_secs(5))
        .max_lifetime(Duration::from_secs(3600))
        .max_token_size(2048)
        .build();
    let issuer = rsa_issuer();
    let hour = issuer.token("u").issued_at(NOW).lifetime(Duration::from_secs(3600)).sign().unwrap();
    assert!(validator.validate_at(hour.expose_secret(), NOW).is_ok());
    assert_eq!(validator.validate_at(hour.expose_secret(), NOW + 3605).unwrap_err(), JwtError::Expired);
    assert!(validator.validate_at(hour.expose_secret(), NOW + 3604).is_ok());
    let big = issuer.token("u").issued_at(NOW).claim("pad", "x".repeat(2000)).sign().unwrap();
    assert_eq!(validator.validate_at(big.expose_secret(), NOW).unwrap_err(), JwtError::TooLarge);
    assert!(format!("{validator:?}").contains("leeway_secs: 5"));
}

/// Issuer and validator read one injected clock: a token is valid within its
/// 15 minutes plus the 30 s leeway (`exp + leeway` itself is refused) and
/// expired from then on, with no sleeping and no hand-made timestamps.
#[test]
fn issuer_and_validator_read_the_injected_clock() {
    let clock = apishield::time::ManualClock::from_secs(NOW);
    let secret = HmacSecret::generate().unwrap();
    let issuer =
        JwtIssuer::new(JwtSigningKey::hmac(JwtAlgorithm::HS256, &secret).unwrap(), ISS, AUD).clock(clock.clone());
    let validator = JwtValidator::builder(JwtKey::hmac(JwtAlgorithm::HS256, &secret).unwrap())
        .issuer(ISS)
        .audience(AUD)
        .clock(clock.clone())
        .build();
    let token = issuer.issue("user-42").unwrap();
    assert_eq!(validator.validate(token.expose_secret()).unwrap().subject(), "user-42");
    clock.advance(Duration::from_secs(15 * 60 + 29));
    assert!(validator.validate(token.expose_secret()).is_ok(), "the last second of the leeway");
    clock.advance(Duration::from_secs(1));
    assert_eq!(validator.validate(token.expose_secret()).unwrap_err(), JwtError::Expired);
}
